import type { Device, FleetProvider } from '../ports/fleetProvider';

const INVENTORY_PAGE = 1000;

/** The fleet's inventory one page at a time, so a large fleet is never held in memory at once. */
export async function* inventoryPages(fleet: FleetProvider): AsyncGenerator<Device[]> {
  let cursor: string | undefined;
  do {
    const page = await fleet.inventory({ limit: INVENTORY_PAGE, ...(cursor ? { cursor } : {}) });
    yield page.devices;
    cursor = page.nextCursor;
  } while (cursor);
}
