// node test/bench/cdp-profile.cjs <inspectorPort> <seconds> <out.cpuprofile>
// Records a CPU profile of the Worker through wrangler dev's DevTools inspector (loopback only)
// and prints the functions with the most self time.
const { writeFileSync } = require("node:fs");
const WebSocket = require("ws");

async function main() {
  const [port, seconds, out] = process.argv.slice(2);
  const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
  const target = targets[0];
  if (!target) throw new Error("no inspector target");
  if (typeof WebSocket !== "function")
    throw new Error("needs a runtime with a global WebSocket (Node.js 22)");
  const socket = new WebSocket(target.webSocketDebuggerUrl);
  let next = 0;
  const pending = new Map();
  const send = (method, params = {}) =>
    new Promise((resolve) => {
      const id = ++next;
      pending.set(id, resolve);
      socket.send(JSON.stringify({ id, method, params }));
    });
  socket.on("message", (data) => {
    const message = JSON.parse(String(data));
    const resolve = pending.get(message.id);
    if (resolve) {
      pending.delete(message.id);
      resolve(message);
    }
  });
  await new Promise((resolve) => socket.once("open", resolve));
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 200 });
  await send("Profiler.start");
  await new Promise((resolve) => setTimeout(resolve, Number(seconds) * 1000));
  const { result } = await send("Profiler.stop");
  socket.close();
  writeFileSync(out, JSON.stringify(result.profile));
  const nodes = new Map(result.profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  let total = 0;
  result.profile.samples.forEach((id, index) => {
    const delta = result.profile.timeDeltas[index] ?? 0;
    total += delta;
    const frame = nodes.get(id).callFrame;
    const key = `${frame.functionName || "(anonymous)"} ${frame.url.split("/").pop()}:${frame.lineNumber}`;
    self.set(key, (self.get(key) ?? 0) + delta);
  });
  console.log(`profile written to ${out}; hottest functions (self time):`);
  for (const [key, time] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30))
    console.log(`${((time / total) * 100).toFixed(1).padStart(5)} %  ${key}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
