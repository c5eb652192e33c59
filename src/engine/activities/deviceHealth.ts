import { flagTarget, flagValue, type FlagState, type FleetProvider, type Health } from '../ports/fleetProvider';

/**
 * The health of `deviceIds` as a rollout judges it. In a flag rollout (`flag` given) a device's flag
 * state is read as its health: its crashes are those since it last changed its flags, and what it
 * "runs" is the flag's value (`flag=value`, absent = off), so every health rule reads both kinds alike.
 */
export async function readHealth(fleet: FleetProvider, deviceIds: string[], flag?: string): Promise<Health[]> {
  if (flag === undefined) return fleet.health(deviceIds);
  return (await fleet.flagStates(deviceIds)).map((state) => flagHealth(state, flag));
}

const flagHealth = ({ deviceId, online, flags, crashCount, flagsUptimeSeconds }: FlagState, flag: string): Health => ({
  deviceId,
  online,
  firmwareVersion: flagTarget(flag, flagValue(flags, flag)),
  crashCount,
  firmwareUptimeSeconds: flagsUptimeSeconds,
  batteryDrainPercentPerHour: null,
});
