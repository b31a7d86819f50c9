import { useEffect, useState } from "react";
import { DateTime } from "../date-time.tsx";

/** "23 h 59 min 12 s", "4 min 05 s", or "3 d 4 h" when it is days away. */
export function timeLeft(ms: number): string {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = String(seconds % 60).padStart(2, "0");
  if (hours >= 48) return `${Math.floor(hours / 24)} d ${hours % 24} h`;
  if (hours >= 1) return `${hours} h ${String(minutes).padStart(2, "0")} min ${rest} s`;
  return `${minutes} min ${rest} s`;
}

/**
 * A live countdown to a moment (an address's end of cooling-off). The server renders the moment
 * itself; the browser then counts down every second and calls `onDone` when it is reached.
 */
export function Countdown({ until, onDone }: { until: string; onDone?: () => void }) {
  const untilMs = new Date(until).getTime();
  const [nowMs, setNowMs] = useState<number | null>(null);
  useEffect(() => {
    setNowMs(Date.now());
    const timer = setInterval(() => setNowMs(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const done = nowMs !== null && nowMs >= untilMs;
  useEffect(() => {
    if (done) onDone?.();
  }, [done, onDone]);
  if (nowMs === null) {
    return (
      <span>
        until <DateTime value={until} />
      </span>
    );
  }
  return (
    <span className="countdown" data-testid="countdown">
      {done ? "usable now" : `usable in ${timeLeft(untilMs - nowMs)}`}
    </span>
  );
}
