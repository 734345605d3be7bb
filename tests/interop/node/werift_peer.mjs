// A werift node of the interop exchange (same code as the browser page:
// ../web/exchange.mjs). Loopback only: werift's own host gathering is given
// 127.0.0.1 (it skips loopback otherwise) and runs inside the test's network
// namespace, where lo is the only interface.
// Usage: node werift_peer.mjs --me NAME --peer OTHER:offer|answer [...] [--port 8765] [--bulk N] [--deadline S]
import { RTCPeerConnection } from "werift";
import { runNode } from "../web/exchange.mjs";

const args = process.argv.slice(2);
const opts = { me: null, peers: [], bulk: 4194304, deadlineS: 90 };
let port = 8765;
for (let i = 0; i < args.length; i += 2) {
  const [k, v] = [args[i], args[i + 1]];
  if (k === "--me") opts.me = v;
  else if (k === "--peer") opts.peers.push({ name: v.split(":")[0], role: v.split(":")[1] });
  else if (k === "--port") port = Number(v);
  else if (k === "--bulk") opts.bulk = Number(v);
  else if (k === "--deadline") opts.deadlineS = Number(v);
  else {
    console.error(`unknown argument ${k}`);
    process.exit(2);
  }
}

const log = (text) => console.error(`[${opts.me}] ${text}`);
const pcs = [];
try {
  const result = await runNode(opts, {
    impl: "werift",
    base: `http://127.0.0.1:${port}`,
    newPC: () => {
      const pc = new RTCPeerConnection({ iceServers: [], iceAdditionalHostAddresses: ["127.0.0.1"], iceUseIpv6: false });
      pcs.push(pc);
      return pc;
    },
    prepareChannel: () => {},
    toWire: (u8) => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength),
    fromWire: (data) => (typeof data === "string" ? { text: data } : { bin: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) }),
    gatherBeforeSend: false,
    log,
  });
  console.log(JSON.stringify(result));
  for (const pc of pcs) await pc.close().catch(() => {});
  process.exit(result.ok ? 0 : 1);
} catch (e) {
  log(`failed: ${e.stack || e}`);
  await fetch(`http://127.0.0.1:${port}/result/${opts.me}`, {
    method: "POST",
    body: JSON.stringify({ node: opts.me, impl: "werift", ok: false, error: String(e), conns: {} }),
  }).catch(() => {});
  process.exit(1);
}
