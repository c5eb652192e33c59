import { TIME, type GatewayModel } from './model';

/** How a battery-backed gateway is powered: on mains (the battery is its backup), or off-grid on a solar panel. */
export type PowerSource = 'mains' | 'solar';

/**
 * The solar panel's charge into the battery at plan time `nowMs`, in % of capacity per hour: a
 * half-sine over the daylight hours (clear sky at the equinox), nothing at night.
 */
export function solarChargePercentPerHour(nowMs: number, model: GatewayModel): number {
  const { startHourOfDay, daylightHours, solarPeakChargePercentPerHour } = model.power;
  const hourOfDay = (startHourOfDay + nowMs / TIME.HOUR) % 24;
  const [sunrise, sunset] = daylightHours;
  if (hourOfDay <= sunrise || hourOfDay >= sunset) return 0;
  return solarPeakChargePercentPerHour * Math.sin((Math.PI * (hourOfDay - sunrise)) / (sunset - sunrise));
}

/** What the gateway itself draws, in % of battery capacity per hour: more while it downloads, verifies, flashes. */
export function consumptionPercentPerHour(updating: boolean, model: GatewayModel): number {
  return updating ? model.activeDrainPercentPerHour : model.idleDrainPercentPerHour;
}

/**
 * The battery's net change per hour. On mains the supply runs the gateway and the charger fills the
 * battery; off-grid the panel runs the gateway first and only the surplus charges it.
 */
export function batteryChangePercentPerHour(source: PowerSource, updating: boolean, nowMs: number, model: GatewayModel): number {
  if (source === 'mains') return model.power.mainsChargePercentPerHour;
  return solarChargePercentPerHour(nowMs, model) - consumptionPercentPerHour(updating, model);
}

/** The battery after `dtMs` at the rate of the step's start, between empty and full. */
export function nextBatteryPercent(percent: number, source: PowerSource, updating: boolean, nowMs: number, dtMs: number, model: GatewayModel): number {
  const change = (batteryChangePercentPerHour(source, updating, nowMs, model) * dtMs) / TIME.HOUR;
  return Math.min(100, Math.max(0, percent + change));
}
