import type { z } from 'zod';
import { SimMetrics } from './metrics';
import { FleetOutcome } from './outcome';
import { CommandsResponse, DevicesResponse, SIM_ROUTES } from './routes';
import type { ResetRequest } from './simulatedFleet';

/** Reads the simulator's `/sim/*` routes; the management API itself is HttpFleet's. */
export class SimulatorClient {
  constructor(private readonly baseUrl: string) {}

  metrics(): Promise<SimMetrics> {
    return this.get(SIM_ROUTES.metrics.path, SimMetrics);
  }

  async devices(): Promise<DevicesResponse['devices']> {
    return (await this.get(SIM_ROUTES.devices.path, DevicesResponse)).devices;
  }

  outcome(targetVersion: string): Promise<FleetOutcome> {
    return this.get(`${SIM_ROUTES.outcome.path}?${new URLSearchParams({ targetVersion })}`, FleetOutcome);
  }

  async commands(): Promise<CommandsResponse['commands']> {
    return (await this.get(SIM_ROUTES.commands.path, CommandsResponse)).commands;
  }

  reset(changes: ResetRequest = {}): Promise<SimMetrics> {
    return this.send(SIM_ROUTES.reset.path, SimMetrics, {
      method: SIM_ROUTES.reset.method,
      body: JSON.stringify(changes),
      headers: { 'content-type': 'application/json' },
    });
  }

  private get<S extends z.ZodType>(path: string, schema: S): Promise<z.output<S>> {
    return this.send(path, schema, { method: 'GET' });
  }

  private async send<S extends z.ZodType>(path: string, schema: S, init: RequestInit): Promise<z.output<S>> {
    const response = await fetch(this.baseUrl.replace(/\/$/, '') + path, { ...init, signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`${init.method} ${path} answered ${response.status}: ${await response.text()}`);
    return schema.parse(await response.json());
  }
}
