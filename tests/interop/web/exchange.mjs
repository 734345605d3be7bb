// The interop exchange (tests/interop/README.md) in JavaScript, shared by the
// browser page (web/peer.html, Chromium) and the werift peer (node/werift_peer.mjs).
// Channels are those of Godot's WebRTCMultiplayerPeer.add_peer: negotiated
// id 1 "reliable" (ordered, reliable), id 2 "ordered" (ordered, lifetime),
// id 3 "unreliable" (unordered, lifetime); plus one in-band channel "inband"
// that the offerer opens.

export const CHUNK = 16384;
export const WINDOW = 1024 * 1024;
export const UNREL_N = 50;
export const UNREL_LEN = 64;
export const LIFETIME_MS = 1000;
const CH_NAMES = ["reliable", "ordered", "unreliable", "inband"];

export function pattern(n) {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + (i >> 8) * 13 + (i >> 16) * 31) & 255;
  return b;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

function show(bytes) {
  let s = "";
  for (const b of bytes.subarray(0, 80)) s += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : "\\x" + b.toString(16).padStart(2, "0");
  return s;
}

// Runs the exchange with every peer in opts.peers ([{name, role: "offer"|"answer"}]).
// env: {impl, base (signaling URL), newPC(), toWire(Uint8Array), fromWire(data) -> {text}|{bin},
//       prepareChannel(dc), gatherBeforeSend (bool), log(text)}
export async function runNode(opts, env) {
  const { me, bulk, deadlineS } = opts;
  const expect = pattern(bulk);
  const conns = new Map();
  const log = env.log;
  let finished = false;

  const post = async (path, body) => {
    const r = await fetch(env.base + path, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body) });
    if (!r.ok) throw new Error(`POST ${path}: ${r.status}`);
  };
  const signal = (c, type, fields) => post(`/send/${c.name}`, { from: me, to: c.name, type, ...fields }).catch((e) => fail(c, `signaling failed: ${e}`));

  function fail(c, msg) {
    if (c.error) return;
    c.error = msg;
    log(`FAIL with ${c.name}: ${msg}`);
    maybeFinish();
  }
  const passed = (c, name) => c.checks.push(name);

  function put(c, idx, data) {
    try {
      c.ch[idx].send(typeof data === "string" ? data : env.toWire(data));
      return true;
    } catch (e) {
      fail(c, `send on ${CH_NAMES[idx]} failed: ${e}`);
      return false;
    }
  }

  function checkInband(c, dc) {
    const got = { label: dc.label, protocol: dc.protocol, ordered: dc.ordered, negotiated: dc.negotiated, maxRetransmits: dc.maxRetransmits, maxPacketLifeTime: dc.maxPacketLifeTime ?? null };
    const want = { label: "inband", protocol: "meshrtc-interop", ordered: false, negotiated: false, maxRetransmits: 5, maxPacketLifeTime: null };
    if (JSON.stringify(got) !== JSON.stringify(want)) fail(c, `received in-band channel ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    else passed(c, "inband-channel-properties");
  }

  function attach(c, idx, dc) {
    c.ch[idx] = dc;
    env.prepareChannel(dc);
    dc.onopen = () => step(c);
    dc.onmessage = (ev) => {
      try {
        receive(c, idx, env.fromWire(ev.data));
      } catch (e) {
        fail(c, `receive on ${CH_NAMES[idx]}: ${e.stack || e}`);
      }
      step(c);
    };
    dc.onclose = () => {
      if (!c.done && !c.error && !finished) fail(c, `channel ${CH_NAMES[idx]} closed before the exchange finished`);
    };
    if (dc.readyState === "open") setTimeout(() => step(c), 0);
  }

  function receive(c, idx, m) {
    if (c.error) return;
    const isText = m.text !== undefined;
    const desc = isText ? `text ${JSON.stringify(m.text.slice(0, 80))}` : `binary(${m.bin.length}) ${show(m.bin)}`;
    if (idx === 0) {
      if (isText && m.text.startsWith("bulk-ok ") && c.relStage === 3) {
        if (Number(m.text.slice(8)) !== bulk || c.bulkSent !== bulk || c.bulkAcked) return fail(c, `unexpected ${desc}`);
        c.bulkAcked = true;
        c.tBulkAcked = now();
        return passed(c, "bulk-sent-acked");
      }
      if (isText && m.text === "fin" && c.relStage === 3) {
        c.finReceived = true;
        return;
      }
      if (c.relStage === 0) {
        const want = `hello reliable from ${c.name} \u2713`;
        if (m.text !== want) return fail(c, `reliable: got ${desc}, want text ${want}`);
        passed(c, "reliable-text-utf8");
        c.relStage = 1;
      } else if (c.relStage === 1) {
        if (isText || m.bin.length !== 256 || m.bin.some((b, i) => b !== i)) return fail(c, `reliable: got ${desc}, want binary 0..255`);
        passed(c, "reliable-binary");
        c.relStage = 2;
      } else if (c.relStage === 2) {
        const want = `text\u0000with nul from ${c.name}`;
        if (m.text !== want) return fail(c, `reliable: got ${desc}, want text with NUL from ${c.name}`);
        passed(c, "reliable-text-with-nul");
        c.relStage = 3;
      } else {
        if (isText || c.bulkRecv + m.bin.length > bulk) return fail(c, `reliable: unexpected ${desc} after ${c.bulkRecv} bulk bytes`);
        if (c.bulkRecv === 0) c.tBulkRecvFirst = now();
        const b = m.bin;
        for (let i = 0; i < b.length; i++) {
          if (b[i] !== expect[c.bulkRecv + i]) return fail(c, `bulk byte ${c.bulkRecv + i} is ${b[i]}, want ${expect[c.bulkRecv + i]}`);
        }
        c.bulkRecv += b.length;
        if (c.bulkRecv === bulk) {
          c.tBulkRecvDone = now();
          passed(c, "bulk-received-byte-for-byte");
          put(c, 0, `bulk-ok ${bulk}`);
        }
      }
    } else if (idx === 1) {
      if (c.ordStage === 0 && m.text === `hello ordered from ${c.name}`) {
        passed(c, "ordered-text");
        c.ordStage = 1;
      } else if (c.ordStage === 1 && !isText && m.bin.length === 4 && m.bin[0] === 0xff && m.bin[1] === 0 && m.bin[2] === 0x7f && m.bin[3] === 0x80) {
        passed(c, "ordered-binary");
        c.ordStage = 2;
      } else fail(c, `ordered: unexpected ${desc} at stage ${c.ordStage}`);
    } else if (idx === 2) {
      if (!isText && m.bin.length === UNREL_LEN && m.bin[0] === 0xab) {
        if (c.unrel++ === 0) passed(c, "unreliable-received");
      } else fail(c, `unreliable: unexpected ${desc}`);
    } else {
      if (!c.inbText && m.text === `hello inband from ${c.name}`) {
        c.inbText = true;
        passed(c, "inband-text");
      } else if (!c.inbBin && !isText && m.bin.length === 3 && m.bin[0] === 1 && m.bin[1] === 2 && m.bin[2] === 3) {
        c.inbBin = true;
        passed(c, "inband-binary");
      } else fail(c, `inband: unexpected ${desc}`);
    }
  }

  function sendPhaseA(c) {
    put(c, 0, `hello reliable from ${me} \u2713`);
    put(c, 0, Uint8Array.from({ length: 256 }, (_, i) => i));
    put(c, 0, `text\u0000with nul from ${me}`);
    put(c, 1, `hello ordered from ${me}`);
    put(c, 1, Uint8Array.of(0xff, 0x00, 0x7f, 0x80));
    put(c, 3, `hello inband from ${me}`);
    put(c, 3, Uint8Array.of(1, 2, 3));
    for (let i = 0; i < UNREL_N; i++) {
      const u = new Uint8Array(UNREL_LEN);
      u[0] = 0xab;
      u[1] = i;
      put(c, 2, u);
    }
    c.phaseASent = true;
    c.tBulkSendStart = now();
    pumpBulk(c);
  }

  function pumpBulk(c) {
    if (c.error || finished) return;
    const dc = c.ch[0];
    while (c.bulkSent < bulk && dc.bufferedAmount < WINDOW) {
      const len = Math.min(CHUNK, bulk - c.bulkSent);
      if (!put(c, 0, expect.subarray(c.bulkSent, c.bulkSent + len))) return;
      c.bulkSent += len;
    }
    if (c.bulkSent < bulk) setTimeout(() => pumpBulk(c), 2);
    else step(c);
  }

  function step(c) {
    if (c.error || c.done) return;
    if (!c.open) {
      if (!c.ch.every((dc) => dc && dc.readyState === "open")) return;
      c.open = true;
      c.tOpen = now();
      passed(c, "all-channels-open");
      const ids = c.ch.slice(0, 3).map((dc) => dc.id);
      if (ids.join() !== "1,2,3" || !c.ch.slice(0, 3).every((dc) => dc.negotiated)) fail(c, `negotiated channel ids ${ids}`);
      else passed(c, "negotiated-channel-properties");
      sendPhaseA(c);
    }
    if (!c.finSent && c.relStage === 3 && c.ordStage === 2 && c.inbText && c.inbBin && c.unrel > 0 && c.bulkRecv === bulk && c.bulkAcked) {
      put(c, 0, "fin");
      c.finSent = true;
    }
    if (c.finSent && c.finReceived && !c.done) {
      c.done = true;
      maybeFinish();
    }
  }

  async function setup(c) {
    const pc = env.newPC();
    c.pc = pc;
    pc.onicecandidate = (ev) => {
      if (env.gatherBeforeSend) return;
      // The end of gathering (a null candidate) goes out as "" (end of candidates).
      const cand = ev.candidate || { candidate: "", sdpMid: c.mid, sdpMLineIndex: 0 };
      if (ev.candidate) c.mid = ev.candidate.sdpMid;
      signal(c, "candidate", { candidate: cand.candidate, mid: cand.sdpMid ?? "0", index: cand.sdpMLineIndex ?? 0 });
    };
    pc.onconnectionstatechange = () => {
      log(`${c.name}: connection ${pc.connectionState}`);
      if (pc.connectionState === "failed") fail(c, "connection state failed");
    };
    pc.ondatachannel = (ev) => {
      if (c.offerer || c.ch[3]) return fail(c, "unexpected datachannel event");
      checkInband(c, ev.channel);
      attach(c, 3, ev.channel);
    };
    attach(c, 0, pc.createDataChannel("reliable", { negotiated: true, id: 1 }));
    attach(c, 1, pc.createDataChannel("ordered", { negotiated: true, id: 2, maxPacketLifeTime: LIFETIME_MS }));
    attach(c, 2, pc.createDataChannel("unreliable", { negotiated: true, id: 3, ordered: false, maxPacketLifeTime: LIFETIME_MS }));
    if (c.offerer) attach(c, 3, pc.createDataChannel("inband", { ordered: false, maxRetransmits: 5, protocol: "meshrtc-interop" }));
    signal(c, "hello", {});
  }

  // The offerer waits for the answerer's hello, so setup_ms does not count its start-up.
  async function offer(c) {
    c.tStart = now();
    const offer = await c.pc.createOffer();
    await c.pc.setLocalDescription(offer);
    signal(c, "offer", { sdp: c.pc.localDescription.sdp });
  }

  async function onSignal(msg) {
    const c = conns.get(msg.from);
    if (!c) return log(`signal from unknown node ${msg.from}`);
    if (c.error) return;
    try {
      if (msg.type === "hello") {
        if (c.offerer && !c.tStart) await offer(c);
      } else if (msg.type === "offer") {
        c.tStart = now();
        await c.pc.setRemoteDescription({ type: "offer", sdp: msg.sdp });
        const answer = await c.pc.createAnswer();
        await c.pc.setLocalDescription(answer);
        signal(c, "answer", { sdp: c.pc.localDescription.sdp });
      } else if (msg.type === "answer") {
        await c.pc.setRemoteDescription({ type: "answer", sdp: msg.sdp });
      } else if (msg.type === "candidate") {
        if (!msg.candidate) return; // end of candidates
        if (!c.pc.remoteDescription) return void c.pending.push(msg);
        await c.pc.addIceCandidate({ candidate: msg.candidate, sdpMid: msg.mid, sdpMLineIndex: msg.index });
      }
      for (const pending of c.pending.splice(0)) await onSignal(pending);
    } catch (e) {
      fail(c, `applying ${msg.type}: ${e.stack || e}`);
    }
  }

  function progress(c) {
    return `connection=${c.pc && c.pc.connectionState} channels=${c.ch.map((d) => d && d.readyState)} relStage=${c.relStage} ordStage=${c.ordStage} unreliable=${c.unrel} inband=${c.inbText}/${c.inbBin} bulkSent=${c.bulkSent} bulkRecv=${c.bulkRecv} bulkAcked=${c.bulkAcked} fin=${c.finSent}/${c.finReceived}`;
  }

  let resolveDone;
  const allDone = new Promise((r) => (resolveDone = r));
  function maybeFinish() {
    if (!finished && [...conns.values()].every((c) => c.done || c.error)) resolveDone();
  }

  for (const p of opts.peers) {
    conns.set(p.name, {
      name: p.name, offerer: p.role === "offer", pc: null, ch: [null, null, null, null], pending: [], checks: [], error: null,
      open: false, tStart: 0, tOpen: 0, phaseASent: false, bulkSent: 0, tBulkSendStart: 0, tBulkAcked: 0, bulkAcked: false,
      finSent: false, finReceived: false, relStage: 0, bulkRecv: 0, tBulkRecvFirst: 0, tBulkRecvDone: 0, ordStage: 0, unrel: 0,
      inbText: false, inbBin: false, done: false,
    });
  }
  for (const c of conns.values()) await setup(c).catch((e) => fail(c, `setup: ${e.stack || e}`));

  const deadline = setTimeout(() => {
    for (const c of conns.values()) if (!c.done && !c.error) fail(c, `deadline of ${deadlineS} s passed: ${progress(c)}`);
  }, deadlineS * 1000);

  // Signaling: poll the mailbox; apply messages in order.
  (async () => {
    while (!finished) {
      try {
        const r = await fetch(`${env.base}/recv/${me}`);
        const text = await r.text();
        for (const line of text.split("\n")) if (line) await onSignal(JSON.parse(line));
      } catch (e) {
        for (const c of conns.values()) fail(c, `signaling: ${e}`);
      }
      await sleep(20);
    }
  })();

  await allDone;
  clearTimeout(deadline);
  await sleep(1000); // let the last messages (fin) reach the other side
  finished = true;
  const result = { node: me, impl: env.impl, conns: {}, ok: true };
  for (const c of conns.values()) {
    const ok = c.done && !c.error;
    result.ok &&= ok;
    result.conns[c.name] = {
      role: c.offerer ? "offer" : "answer", ok, error: c.error,
      setup_ms: c.open ? c.tOpen - c.tStart : -1, bulk_bytes: bulk,
      bulk_send_ms: c.bulkAcked ? c.tBulkAcked - c.tBulkSendStart : -1,
      bulk_recv_ms: c.tBulkRecvDone ? c.tBulkRecvDone - c.tBulkRecvFirst : -1,
      unreliable_received: c.unrel, unreliable_sent: UNREL_N, checks: c.checks,
    };
  }
  await post(`/result/${me}`, result);
  return result;
}
