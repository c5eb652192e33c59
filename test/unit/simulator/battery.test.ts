import assert from 'node:assert/strict';
import { batteryChangePercentPerHour, nextBatteryPercent, solarChargePercentPerHour } from '../../../rig/simulator/battery';
import { ManualClock } from '../../../rig/simulator/clock';
import { DEFAULT_MODEL, GatewayModel } from '../../../rig/simulator/model';
import { FailureProfile } from '../../../rig/simulator/profiles';
import { SimulatedFleet } from '../../../rig/simulator/simulatedFleet';
import { generateGateways } from '../../../rig/simulator/traits';

const HOUR = 3_600_000;
const model = DEFAULT_MODEL.gateway;
/** Plan time of a local hour on the first day (plan time 0 is 09:00). */
const at = (hourOfDay: number) => (hourOfDay - model.power.startHourOfDay) * HOUR;

describe('simulated batteries', () => {
  it('charges from the sun on a half-sine between sunrise and sunset, nothing at night', () => {
    assert.equal(solarChargePercentPerHour(at(3), model), 0);
    assert.equal(solarChargePercentPerHour(at(6), model), 0);
    assert.equal(solarChargePercentPerHour(at(12), model), 5);
    assert.ok(Math.abs(solarChargePercentPerHour(at(9), model) - 5 * Math.SQRT1_2) < 1e-9);
    assert.equal(solarChargePercentPerHour(at(12) + 24 * HOUR, model), 5, 'the next day is the same');
    assert.equal(solarChargePercentPerHour(at(22), model), 0);
  });

  it('sizes the panel for three times an idle gateway’s daily consumption', () => {
    let charged = 0;
    for (let minute = 0; minute < 24 * 60; minute++) charged += solarChargePercentPerHour(minute * 60_000, model) / 60;
    const consumed = 24 * model.idleDrainPercentPerHour;
    assert.ok(Math.abs(charged / consumed - 3.18) < 0.01, `charged ${charged} % a day, consumed ${consumed} %`);
  });

  it('on mains charges at the charger’s rate whatever the gateway does; off-grid the load comes first', () => {
    assert.equal(batteryChangePercentPerHour('mains', true, at(2), model), 10);
    assert.equal(batteryChangePercentPerHour('solar', false, at(2), model), -0.5);
    assert.equal(batteryChangePercentPerHour('solar', true, at(2), model), -3);
    assert.equal(batteryChangePercentPerHour('solar', true, at(12), model), 2);
  });

  it('stays between empty and full', () => {
    assert.equal(nextBatteryPercent(98, 'mains', false, 0, HOUR, model), 100);
    assert.equal(nextBatteryPercent(1, 'solar', true, at(2), HOUR, model), 0);
    assert.equal(nextBatteryPercent(20, 'mains', false, 0, HOUR / 2, model), 25);
  });

  it('rejects a night that ends before it starts, naming the field', () => {
    assert.throws(() => GatewayModel.parse({ power: { daylightHours: [18, 6] } }), /sunrise must come before sunset/);
  });

  it('puts the stated share of battery-backed gateways on solar, the same ones for the same seed', () => {
    const spec = { devices: 1000, seed: 3, firmwareVersion: '1.0.0', model: DEFAULT_MODEL, profile: FailureProfile.parse({}) };
    const gateways = generateGateways(spec);
    const backed = gateways.filter((gateway) => gateway.batteryPercent !== null);
    const solar = backed.filter((gateway) => gateway.powerSource === 'solar');
    assert.equal(solar.length, Math.round(0.3 * backed.length));
    assert.ok(gateways.every((gateway) => (gateway.batteryPercent === null) === (gateway.powerSource === null)));
    assert.deepEqual(generateGateways(spec).map((gateway) => gateway.powerSource), gateways.map((gateway) => gateway.powerSource));
  });

  it('lets a low battery charge past preflight’s 50 %: on mains within hours, on solar by day and not at night', async () => {
    const clock = new ManualClock(1000);
    const fleet = new SimulatedFleet({ devices: 200, seed: 5, profile: FailureProfile.parse({ lowBatteries: { share: 1, batteryPercent: [20, 20] } }) }, clock);
    const ids = (await fleet.inventory({ limit: 1000 })).devices.map((device) => device.id);
    const sources = new Map(generateGateways({ devices: 200, seed: 5, firmwareVersion: '1.0.0', model: DEFAULT_MODEL, profile: FailureProfile.parse({}) }).map((gateway) => [gateway.device.id, gateway.powerSource]));
    const battery = async (source: 'mains' | 'solar') =>
      (await fleet.vitals(ids)).filter((vitals) => sources.get(vitals.deviceId) === source).map((vitals) => vitals.batteryPercent!);
    assert.ok((await battery('mains')).length > 0 && (await battery('solar')).length > 0);
    clock.advance(4 * HOUR);
    assert.deepEqual(new Set(await battery('mains')), new Set([60]));
    const solarAt13 = await battery('solar');
    assert.ok(solarAt13.every((percent) => percent > 30 && percent < 50), `solar at 13:00: ${solarAt13.join(', ')}`);
    clock.advance(12 * HOUR);
    const solarAt01 = await battery('solar');
    assert.ok(solarAt01.every((percent) => percent < 50 && percent > 35), `solar at 01:00: ${solarAt01.join(', ')}`);
  });
});
