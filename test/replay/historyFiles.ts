import { temporal } from '@temporalio/proto';

const { History } = temporal.api.history.v1;

/**
 * A workflow history as a JSON file: protobufjs's own JSON of the History message. Not the proto3
 * JSON that `temporal workflow show -o json` writes: @temporalio/common's historyToJSON and
 * historyFromJSON fail in this install ("type must be a Type"), because it and @temporalio/proto
 * each carry their own copy of protobufjs.
 */
export const historyToFile = (history: temporal.api.history.v1.IHistory): string =>
  JSON.stringify(History.toObject(History.fromObject(history), { longs: String, enums: String, bytes: String }));

export const historyFromFile = (text: string): temporal.api.history.v1.History => History.fromObject(JSON.parse(text) as Record<string, unknown>);
