import { customType } from "drizzle-orm/sqlite-core";

/**
 * The libSQL client runs with intMode "bigint" so that no INTEGER is ever squeezed through a
 * float. These column types say, per column, what the application sees.
 */

/** Money and other exact quantities: bigint minor units in code, INTEGER in SQLite. */
export const minorUnits = customType<{ data: bigint; driverData: bigint | number | string }>({
  dataType: () => "integer",
  toDriver: (value) => value,
  fromDriver: (value) => BigInt(value),
});

/** Small integers (counters, milliseconds since the epoch): safe as JavaScript numbers. */
export const smallInteger = customType<{ data: number; driverData: bigint | number | string }>({
  dataType: () => "integer",
  toDriver: (value) => {
    if (!Number.isSafeInteger(value)) throw new RangeError(`not a safe integer: ${value}`);
    return BigInt(value);
  },
  fromDriver: (value) => Number(value),
});

export const flag = customType<{ data: boolean; driverData: bigint | number | string }>({
  dataType: () => "integer",
  toDriver: (value) => (value ? 1n : 0n),
  fromDriver: (value) => Number(value) !== 0,
});
