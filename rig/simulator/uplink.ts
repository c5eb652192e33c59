export interface Flow {
  /** What the gateway's own link could carry. */
  capMbps: number;
  /** Its share of a congested uplink relative to the other flows. */
  weight: number;
}

/**
 * Weighted max-min fair shares of a shared uplink (what TCP flows converge to, roughly): a flow
 * never gets more than its own link carries, and what it leaves is shared by the others in
 * proportion to their weights. Results keep the flows' order.
 */
export function allocateUplink(flows: readonly Flow[], capacityMbps: number): number[] {
  const rates = flows.map((flow) => flow.capMbps);
  if (rates.reduce((sum, rate) => sum + rate, 0) <= capacityMbps) return rates;
  const order = flows.map((_, index) => index).sort((a, b) => flows[a]!.capMbps / flows[a]!.weight - flows[b]!.capMbps / flows[b]!.weight);
  let remaining = capacityMbps;
  let remainingWeight = flows.reduce((sum, flow) => sum + flow.weight, 0);
  for (const [position, index] of order.entries()) {
    const flow = flows[index]!;
    const fairShare = (remaining * flow.weight) / remainingWeight;
    if (flow.capMbps > fairShare) {
      for (const rest of order.slice(position)) rates[rest] = (remaining * flows[rest]!.weight) / remainingWeight;
      return rates;
    }
    remaining -= flow.capMbps;
    remainingWeight -= flow.weight;
  }
  return rates;
}

/** How far demand exceeds capacity: 0 when it fits, 1 when twice the uplink is wanted. */
export const congestion = (flows: readonly Flow[], capacityMbps: number): number =>
  Math.max(0, flows.reduce((sum, flow) => sum + flow.capMbps, 0) / capacityMbps - 1);
