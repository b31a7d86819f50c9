import { Lru, normal } from "./random.ts";

/**
 * Latent random walks ("streams") behind the simulated market, built top-down so that the value
 * at any second is computable without walking from the start:
 *
 *   day     an Ornstein–Uhlenbeck walk in log space, one step per UTC day (prefix memoised:
 *           at most a few thousand steps since genesis)
 *   hour    a Brownian bridge between the day's two endpoints, 24 steps weighted by intraday
 *           activity (busier around the European afternoon and the US open)
 *   minute  a Brownian bridge between the hour's endpoints, 60 steps
 *   second  a Brownian bridge between the minute's endpoints, 60 steps
 *
 * A bridge with step variances v_i between a and b is a + T_k (b - a) + (W_k - T_k W_n), with W
 * the free walk and T_k the share of variance up to k; it has exactly the statistics of the walk
 * conditioned on its endpoints, so every level is consistent with the one above it.
 *
 * Mean reversion keeps prices in a realistic band around their anchors for years; a slow,
 * shared volatility regime gives calm and stormy weeks; weekends are quieter.
 */

export const SECONDS_PER_DAY = 86_400;
export const SECONDS_PER_HOUR = 3_600;

/** Variance share of each UTC hour; normalised below to a mean of 1. */
const RAW_HOUR_WEIGHTS = [
  0.7, 0.62, 0.58, 0.55, 0.55, 0.58, 0.65, 0.78, 0.92, 1.0, 1.02, 1.0, 1.05, 1.3, 1.5, 1.55, 1.45, 1.25, 1.05,
  0.95, 0.9, 0.85, 0.8, 0.75,
];
const RAW_SUM = RAW_HOUR_WEIGHTS.reduce((sum, weight) => sum + weight, 0);
export const HOUR_WEIGHTS: readonly number[] = RAW_HOUR_WEIGHTS.map((weight) => (weight * 24) / RAW_SUM);
const HOUR_CUMULATIVE: readonly number[] = HOUR_WEIGHTS.reduce<number[]>(
  (cumulative, weight) => {
    cumulative.push((cumulative[cumulative.length - 1] ?? 0) + weight / 24);
    return cumulative;
  },
  [0],
);

export interface StreamSpec {
  /** Daily standard deviation of log changes in a normal regime. */
  dailySigma: number;
  /** Long-run standard deviation of the level: how far mean reversion lets it wander. */
  stationarySd: number;
}

// Coordinates of the draws: (stream, level, index, step). Distinct levels never share draws.
const LEVEL_DAY = 1;
const LEVEL_HOUR = 2;
const LEVEL_MINUTE = 3;
const LEVEL_SECOND = 4;
const LEVEL_REGIME = 5;
const REGIME_STREAM = 1_000;

/** Regime persistence per day; with innovations scaled to keep the regime N(0, 1). */
const REGIME_PERSISTENCE = 0.97;
const REGIME_STRENGTH = 0.3;
/** Genesis (2025-01-01) is a Wednesday; 0 = Sunday. */
const GENESIS_WEEKDAY = 3;
const WEEKEND_SIGMA_FACTOR = 0.8;
/** Bound on the memoised prefix: about 270 years of days; nothing legitimate asks for more. */
const MAX_DAYS = 100_000;

export class StreamPaths {
  private readonly dayLevels: Float64Array[] = [];
  private readonly regime: number[] = [0];
  private readonly hourPointsMemo = new Lru<number, Float64Array>(4_096);
  private readonly minutePointsMemo = new Lru<number, Float64Array>(8_192);

  constructor(
    private readonly seed: number,
    private readonly streams: readonly StreamSpec[],
  ) {
    for (let index = 0; index < streams.length; index++) this.dayLevels.push(new Float64Array([0]));
  }

  /** Volatility multiplier of day `day` shared by all streams (mean about 1). */
  regimeFactor(day: number): number {
    this.extendRegime(day);
    return Math.exp(REGIME_STRENGTH * (this.regime[day] ?? 0) - (REGIME_STRENGTH * REGIME_STRENGTH) / 2);
  }

  /** Daily sigma multiplier from regime and weekday. */
  dayFactor(day: number): number {
    const weekday = (GENESIS_WEEKDAY + day) % 7;
    const weekend = weekday === 0 || weekday === 6 ? WEEKEND_SIGMA_FACTOR : 1;
    return this.regimeFactor(day) * weekend;
  }

  /** Variance of the stream's log change over day `day`. */
  dayVariance(stream: number, day: number): number {
    const sigma = this.spec(stream).dailySigma * this.dayFactor(day);
    return sigma * sigma;
  }

  /** Variance of one minute in the given global hour (day * 24 + hour of day). */
  minuteVariance(stream: number, hour: number): number {
    const day = Math.floor(hour / 24);
    return (this.dayVariance(stream, day) * (HOUR_WEIGHTS[hour % 24] ?? 1)) / 24 / 60;
  }

  /** The stream's level at the start of day `day` (0 at genesis). */
  dayValue(stream: number, day: number): number {
    if (day < 0 || day > MAX_DAYS) throw new RangeError(`day ${day} outside the simulated range`);
    const levels = this.extendDays(stream, day);
    return levels[day] ?? 0;
  }

  /** 25 points: the level at each UTC hour boundary of day `day`. */
  hourPoints(stream: number, day: number): Float64Array {
    const key = day * 64 + stream;
    const memo = this.hourPointsMemo.get(key);
    if (memo) return memo;
    const points = bridge(
      this.dayValue(stream, day),
      this.dayValue(stream, day + 1),
      24,
      this.dayVariance(stream, day),
      HOUR_CUMULATIVE,
      (step) => normal(this.seed, stream, LEVEL_HOUR, day, step),
    );
    this.hourPointsMemo.set(key, points);
    return points;
  }

  /** 61 points: the level at each minute boundary of global hour `hour`. */
  minutePoints(stream: number, hour: number): Float64Array {
    const key = hour * 64 + stream;
    const memo = this.minutePointsMemo.get(key);
    if (memo) return memo;
    const day = Math.floor(hour / 24);
    const hours = this.hourPoints(stream, day);
    const points = bridge(
      hours[hour % 24] ?? 0,
      hours[(hour % 24) + 1] ?? 0,
      60,
      this.minuteVariance(stream, hour) * 60,
      null,
      (step) => normal(this.seed, stream, LEVEL_MINUTE, hour, step),
    );
    this.minutePointsMemo.set(key, points);
    return points;
  }

  /** 61 points: the level at each second of global minute `minute` (both ends included). */
  secondPoints(stream: number, minute: number): Float64Array {
    const hour = Math.floor(minute / 60);
    const minutes = this.minutePoints(stream, hour);
    return bridge(
      minutes[minute % 60] ?? 0,
      minutes[(minute % 60) + 1] ?? 0,
      60,
      this.minuteVariance(stream, hour),
      null,
      (step) => normal(this.seed, stream, LEVEL_SECOND, minute, step),
    );
  }

  private spec(stream: number): StreamSpec {
    const spec = this.streams[stream];
    if (!spec) throw new RangeError(`no stream ${stream}`);
    return spec;
  }

  private extendRegime(day: number): void {
    if (day < 0 || day > MAX_DAYS) throw new RangeError(`day ${day} outside the simulated range`);
    const innovation = Math.sqrt(1 - REGIME_PERSISTENCE * REGIME_PERSISTENCE);
    for (let next = this.regime.length; next <= day; next++) {
      const previous = this.regime[next - 1] ?? 0;
      this.regime.push(
        REGIME_PERSISTENCE * previous + innovation * normal(this.seed, REGIME_STREAM, LEVEL_REGIME, next, 0),
      );
    }
  }

  private extendDays(stream: number, day: number): Float64Array {
    let levels = this.dayLevels[stream];
    if (!levels) throw new RangeError(`no stream ${stream}`);
    if (day < levels.length) return levels;
    const spec = this.spec(stream);
    // Reversion speed that gives the requested long-run spread: sd^2 = sigma^2 / (2 theta).
    const theta = Math.min(
      0.5,
      (spec.dailySigma * spec.dailySigma) / (2 * spec.stationarySd * spec.stationarySd),
    );
    const grown = new Float64Array(Math.max(day + 1, Math.ceil(levels.length * 1.5)));
    grown.set(levels);
    for (let next = levels.length; next < grown.length; next++) {
      const previous = grown[next - 1] ?? 0;
      const sigma = spec.dailySigma * this.dayFactor(next - 1);
      grown[next] = previous * (1 - theta) + sigma * normal(this.seed, stream, LEVEL_DAY, next - 1, 0);
    }
    levels = grown;
    this.dayLevels[stream] = levels;
    return levels;
  }
}

/**
 * Brownian bridge from `start` to `end` in `steps` steps whose variances add up to
 * `totalVariance`. `cumulativeShare[k]` is the share of variance before step k (null: equal
 * steps). Endpoints are set exactly, so adjacent levels agree bit for bit.
 */
function bridge(
  start: number,
  end: number,
  steps: number,
  totalVariance: number,
  cumulativeShare: readonly number[] | null,
  draw: (step: number) => number,
): Float64Array {
  const points = new Float64Array(steps + 1);
  const share = (k: number) => (cumulativeShare ? (cumulativeShare[k] ?? 1) : k / steps);
  let walk = 0;
  const walkAt = new Float64Array(steps + 1);
  for (let step = 0; step < steps; step++) {
    const stepVariance = totalVariance * (share(step + 1) - share(step));
    walk += Math.sqrt(stepVariance) * draw(step);
    walkAt[step + 1] = walk;
  }
  const total = walkAt[steps] ?? 0;
  for (let k = 1; k < steps; k++) {
    const t = share(k);
    points[k] = start + t * (end - start) + ((walkAt[k] ?? 0) - t * total);
  }
  points[0] = start;
  points[steps] = end;
  return points;
}
