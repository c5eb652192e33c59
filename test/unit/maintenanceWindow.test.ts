import assert from 'node:assert/strict';
import { CohortSelector } from '../../src/engine/model/cohorts';
import { MaintenanceWindow, isOpen, nextOpening, openSpanAt, windowIndexFor } from '../../src/engine/model/maintenanceWindow';
import { DeviceAttributes } from '../../src/engine/ports/fleetProvider';

const at = (iso: string): number => Date.parse(iso);
/** 01:00–05:00 Berlin time: 00:00–04:00 UTC in winter, 23:00–03:00 UTC in summer. */
const berlinNights = MaintenanceWindow.parse({ cron: '0 1 * * *', duration: '4 hours', timeZone: 'Europe/Berlin' });

const problemsOf = (input: unknown) => MaintenanceWindow.safeParse(input).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];

describe('maintenance windows', () => {
  describe('schema', () => {
    it('reads durations the way plans write them', () => assert.equal(berlinNights.duration, 4 * 3_600_000));

    it('refuses a cron expression that is not five fields, or that never fires', () => {
      assert.match(problemsOf({ cron: '0 0 1 * * *', duration: '1h', timeZone: 'UTC' }).join(), /^cron: .*five-field/);
      assert.match(problemsOf({ cron: '61 1 * * *', duration: '1h', timeZone: 'UTC' }).join(), /^cron: /);
      assert.match(problemsOf({ cron: '0 0 31 2 *', duration: '1h', timeZone: 'UTC' }).join(), /never fires/);
    });

    it('refuses an unknown time zone and an empty window', () => {
      assert.deepEqual(problemsOf({ cron: '0 1 * * *', duration: '1h', timeZone: 'Europe/Atlantis' }), [
        'timeZone: not an IANA time zone: write e.g. "Europe/Berlin" or "UTC"',
      ]);
      assert.match(problemsOf({ cron: '0 1 * * *', duration: 0, timeZone: 'UTC' }).join(), /^duration: /);
    });
  });

  describe('isOpen', () => {
    it('is open from the opening for the duration, closed at its end', () => {
      assert.equal(isOpen(at('2026-01-15T00:00:00Z'), berlinNights), true);
      assert.equal(isOpen(at('2026-01-15T03:59:59.999Z'), berlinNights), true);
      assert.equal(isOpen(at('2026-01-15T04:00:00Z'), berlinNights), false);
      assert.equal(isOpen(at('2026-01-14T23:59:59.999Z'), berlinNights), false);
    });

    it('follows the time zone through daylight saving time', () => {
      assert.equal(isOpen(at('2026-07-14T23:30:00Z'), berlinNights), true);
      assert.equal(isOpen(at('2026-07-15T03:00:00Z'), berlinNights), false);
    });

    it('tells when the current opening closes', () => {
      assert.deepEqual(openSpanAt(at('2026-01-15T02:00:00Z'), berlinNights), {
        opensAtMs: at('2026-01-15T00:00:00Z'),
        closesAtMs: at('2026-01-15T04:00:00Z'),
      });
      assert.equal(openSpanAt(at('2026-01-15T12:00:00Z'), berlinNights), undefined);
    });
    it('stays open past midnight, in the window time zone', () => {
      const lateEvenings = MaintenanceWindow.parse({ cron: '0 23 * * *', duration: '3 hours', timeZone: 'Europe/Berlin' });
      assert.deepEqual(openSpanAt(at('2026-01-16T00:30:00Z'), lateEvenings), {
        opensAtMs: at('2026-01-15T22:00:00Z'),
        closesAtMs: at('2026-01-16T01:00:00Z'),
      });
      assert.equal(nextOpening(at('2026-01-16T01:00:00Z'), lateEvenings), at('2026-01-16T22:00:00Z'));
    });
  });

  describe('nextOpening', () => {
    it('is the moment asked about while the window is open', () => {
      assert.equal(nextOpening(at('2026-01-15T01:00:00Z'), berlinNights), at('2026-01-15T01:00:00Z'));
    });

    it('is the next opening while it is closed, an hour earlier in UTC once summer time starts', () => {
      assert.equal(nextOpening(at('2026-03-28T12:00:00Z'), berlinNights), at('2026-03-29T00:00:00Z'));
      assert.equal(nextOpening(at('2026-03-29T12:00:00Z'), berlinNights), at('2026-03-29T23:00:00Z'));
    });

    it('opens when the clocks have skipped its time, once on the night they repeat it', () => {
      const halfPastTwo = MaintenanceWindow.parse({ cron: '30 2 * * *', duration: '1 hour', timeZone: 'Europe/Berlin' });
      // 29 March 2026: 02:00 CET jumps to 03:00 CEST; the window opens as the gap ends.
      assert.equal(nextOpening(at('2026-03-28T12:00:00Z'), halfPastTwo), at('2026-03-29T01:00:00Z'));
      // 25 October 2026: 03:00 CEST falls back to 02:00 CET; only the first 02:30 opens it.
      assert.equal(nextOpening(at('2026-10-24T12:00:00Z'), halfPastTwo), at('2026-10-25T00:30:00Z'));
      assert.equal(openSpanAt(at('2026-10-25T01:45:00Z'), halfPastTwo), undefined);
      assert.equal(nextOpening(at('2026-10-25T01:45:00Z'), halfPastTwo), at('2026-10-26T01:30:00Z'));
    });

    it('honours weekdays in the window time zone', () => {
      const weekends = MaintenanceWindow.parse({ cron: '0 22 * * SAT', duration: '6h', timeZone: 'America/New_York' });
      // Saturday 22:00 in New York is Sunday 03:00 UTC in winter.
      assert.equal(nextOpening(at('2026-01-14T00:00:00Z'), weekends), at('2026-01-18T03:00:00Z'));
    });

    it('gives the same answer whatever the worker’s own time zone, so that replays agree', () => {
      const original = process.env.TZ;
      const answers = ['Pacific/Kiritimati', 'America/Los_Angeles', 'UTC'].map((zone) => {
        process.env.TZ = zone;
        return [nextOpening(at('2026-03-29T12:00:00Z'), berlinNights), isOpen(at('2026-07-14T23:30:00Z'), berlinNights)];
      });
      if (original === undefined) delete process.env.TZ;
      else process.env.TZ = original;
      assert.deepEqual(answers, Array(3).fill([at('2026-03-29T23:00:00Z'), true]));
    });
  });

  describe('cohort windows', () => {
    const windows = [
      { cohort: CohortSelector.parse({ region: 'eu-west' }), window: berlinNights },
      { cohort: CohortSelector.parse({}), window: MaintenanceWindow.parse({ cron: '0 3 * * *', duration: '2h', timeZone: 'UTC' }) },
    ];
    const device = (region: string) => ({ attributes: DeviceAttributes.parse({ region, hardwareRevision: 'rev-a' }) });

    it('gives a device the first window whose cohort it is in', () => {
      assert.equal(windowIndexFor(device('eu-west'), windows), 0);
      assert.equal(windowIndexFor(device('us-east'), windows), 1);
    });

    it('gives no window to a device no cohort covers', () => {
      assert.equal(windowIndexFor(device('us-east'), windows.slice(0, 1)), undefined);
    });
  });
});
