import { z } from 'zod';
import { OperationState } from '../../src/engine/ports/fleetProvider';
import type { ManagementLoad } from './management';

/** `GET /sim/metrics`: the simulator's ground truth, which the management API itself does not expose. */
export const SimMetrics = z.object({
  clock: z.object({
    planTimeMs: z.number(),
    /** Null for a clock moved by hand. */
    speedup: z.number().nullable(),
    stepMs: z.number(),
  }),
  management: z.object({
    cpuPercent: z.number(),
    peakCpuPercent: z.number(),
    /** May exceed 100: what the service was asked to do. */
    cpuDemandPercent: z.number(),
    peakCpuDemandPercent: z.number(),
    operationsInFlight: z.number().int(),
    peakOperationsInFlight: z.number().int(),
    /** Operations waiting to be dispatched to their gateway. */
    queueDepth: z.number().int(),
    saturatedMs: z.number(),
    requestsRefused: z.number().int(),
  }),
  uplink: z.object({
    capacityMbps: z.number(),
    utilisationPercent: z.number(),
    peakUtilisationPercent: z.number(),
    bytesMoved: z.number(),
    /** Bytes of downloads that were cut off or timed out. */
    bytesWasted: z.number(),
  }),
  devices: z.object({
    total: z.number().int(),
    online: z.number().int(),
    wedged: z.number().int(),
    dead: z.number().int(),
    /** Connection drops (reboots and gateways away from the start excluded). */
    disconnections: z.number().int(),
    devicesDisconnected: z.number().int(),
    /** Gateways dropped by the service's overload or the uplink's congestion, rather than by their own link. */
    devicesDisconnectedByLoad: z.number().int(),
  }),
  operations: z.record(OperationState, z.number().int()),
});
export type SimMetrics = z.infer<typeof SimMetrics>;

/** Peaks and totals accumulated step by step. */
export class RunningTotals {
  load: ManagementLoad = { cpuDemandPercent: 0, cpuPercent: 0, overload: 0, saturated: false };
  peakCpuDemandPercent = 0;
  peakOperationsInFlight = 0;
  utilisationPercent = 0;
  peakUtilisationPercent = 0;
  saturatedMs = 0;
  bytesMoved = 0;
  bytesWasted = 0;
  requestsRefused = 0;

  recordStep(load: ManagementLoad, operationsInFlight: number, utilisationPercent: number, dtMs: number): void {
    this.load = load;
    this.peakCpuDemandPercent = Math.max(this.peakCpuDemandPercent, load.cpuDemandPercent);
    this.peakOperationsInFlight = Math.max(this.peakOperationsInFlight, operationsInFlight);
    this.utilisationPercent = utilisationPercent;
    this.peakUtilisationPercent = Math.max(this.peakUtilisationPercent, utilisationPercent);
    if (load.saturated) this.saturatedMs += dtMs;
  }
}
