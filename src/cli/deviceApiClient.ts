import { deviceApiPaths } from '../adapters/deviceApi/deviceApi';
import { DeviceDetail, DevicePage, type DeviceFilter } from '../adapters/deviceApi/deviceDetail';
import { RolloutNotFoundError } from '../client/errors';

/** `rollout devices`' side of the worker's device API. */
export class DeviceApiClient {
  constructor(private readonly baseUrl: string) {}

  async list(rolloutId: string, filter: DeviceFilter): Promise<DevicePage> {
    const query = new URLSearchParams(Object.entries(filter).filter(([, value]) => value !== undefined).map(([key, value]): [string, string] => [key, String(value)]));
    return DevicePage.parse(await this.get(`${deviceApiPaths.devices(rolloutId)}?${query}`, rolloutId));
  }

  async device(rolloutId: string, deviceId: string): Promise<DeviceDetail> {
    return DeviceDetail.parse(await this.get(deviceApiPaths.device(rolloutId, deviceId), rolloutId));
  }

  private async get(path: string, rolloutId: string): Promise<unknown> {
    const response = await fetch(new URL(path, this.baseUrl)).catch((error: Error) => {
      throw new Error(`the worker's device API at ${this.baseUrl} cannot be reached (${error.cause ?? error.message}): is the worker running with DEVICE_API_ADDRESS set?`);
    });
    const body = (await response.json()) as { error?: string };
    if (response.status === 404) throw new RolloutNotFoundError(rolloutId, body.error ?? 'unknown to the device API');
    if (!response.ok) throw new Error(`device API answered ${response.status}: ${body.error ?? ''}`);
    return body;
  }
}
