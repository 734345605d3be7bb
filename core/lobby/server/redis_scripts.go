package server

import "github.com/redis/go-redis/v9"

// The Redis state, all under the prefix "meshrtc:" (one Redis, not a
// Cluster: the scripts name keys they compute):
//
//	lobbies          set of open lobby names
//	l:NAME           hash: mesh "1"/"0", sealed "1" once sealed
//	l:NAME:m         hash: peer id -> instance of the member's connection
//	l:NAME:u         set: every peer id the lobby gave out (never reused)
//	instances        sorted set: instance -> its last heartbeat (Redis time, ms)
//	i:INST:m         set: "NAME ID" of each member connected to INST
//	i:INST           pub/sub channel of INST: "NAME ID m\nFRAME" delivers
//	                 FRAME to that member, "NAME ID c\nCODE REASON" closes it
//
// Every change runs in one script, so each is atomic, and every delivery
// is published by a script or after one returned: a member receives
// PEER_CONNECT for a newcomer before anything the newcomer sends it.
const luaPrelude = `
local P = 'meshrtc:'
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function send(inst, name, id, kind, payload)
  redis.call('PUBLISH', P .. 'i:' .. inst, name .. ' ' .. id .. ' ' .. kind .. '\n' .. payload)
end
local function frame(typ, id)
  return '{"type":' .. typ .. ',"id":' .. id .. ',"data":""}'
end
-- close_lobby sends before (if set) and then the close code_reason to every
-- member, and deletes the lobby.
local function close_lobby(name, before, code_reason)
  local L = P .. 'l:' .. name
  local members = redis.call('HGETALL', L .. ':m')
  for i = 1, #members, 2 do
    if before then send(members[i + 1], name, members[i], 'm', before) end
    send(members[i + 1], name, members[i], 'c', code_reason)
    redis.call('SREM', P .. 'i:' .. members[i + 1] .. ':m', name .. ' ' .. members[i])
  end
  redis.call('DEL', L, L .. ':m', L .. ':u')
  redis.call('SREM', P .. 'lobbies', name)
end
-- leave takes member id out of lobby name: PEER_DISCONNECT to the others,
-- and when it is the host, the lobby closes with host_left.
local function leave(name, id, host_left)
  local L = P .. 'l:' .. name
  local inst = redis.call('HGET', L .. ':m', id)
  if not inst then return 0 end
  redis.call('HDEL', L .. ':m', id)
  redis.call('SREM', P .. 'i:' .. inst .. ':m', name .. ' ' .. id)
  if id == '1' then
    close_lobby(name, frame(3, 1), host_left)
  else
    local members = redis.call('HGETALL', L .. ':m')
    for i = 1, #members, 2 do send(members[i + 1], name, members[i], 'm', frame(3, id)) end
  end
  return 1
end
-- drop_instance takes every member of instance inst out of its lobby.
local function drop_instance(inst, host_left)
  redis.call('ZREM', P .. 'instances', inst)
  for _, m in ipairs(redis.call('SMEMBERS', P .. 'i:' .. inst .. ':m')) do
    local sp = string.find(m, ' ', 1, true)
    leave(string.sub(m, 1, sp - 1), string.sub(m, sp + 1), host_left)
  end
  redis.call('DEL', P .. 'i:' .. inst .. ':m')
end
`

func newLuaScript(body string) *redis.Script { return redis.NewScript(luaPrelude + body) }

// ARGV: instance.
var luaRegister = newLuaScript(`
redis.call('ZADD', P .. 'instances', now_ms(), ARGV[1])
return 1
`)

// ARGV: instance, timeout ms, host-left close. Returns 0 if this instance
// had been dropped (it missed its heartbeats), else 1 + the number of
// instances it dropped.
var luaHeartbeat = newLuaScript(`
if not redis.call('ZSCORE', P .. 'instances', ARGV[1]) then return 0 end
local now = now_ms()
redis.call('ZADD', P .. 'instances', now, ARGV[1])
local dead = redis.call('ZRANGEBYSCORE', P .. 'instances', '-inf', now - tonumber(ARGV[2]))
for _, d in ipairs(dead) do drop_instance(d, ARGV[3]) end
return 1 + #dead
`)

// ARGV: instance, host-left close.
var luaUnregister = newLuaScript(`
drop_instance(ARGV[1], ARGV[2])
return 1
`)

// ARGV: instance, name, id, mesh "1"/"0", create "1"/"0", max peers, max
// lobbies. Returns {"ok", mesh, ids of the members already there...} or
// {why}: "dead" (instance dropped), "lobbies", "retry" (name or id taken),
// "missing", "sealed", "full".
var luaJoin = newLuaScript(`
local inst, name, id, mesh = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if not redis.call('ZSCORE', P .. 'instances', inst) then return {'dead'} end
local L = P .. 'l:' .. name
if ARGV[5] == '1' then
  if redis.call('SCARD', P .. 'lobbies') >= tonumber(ARGV[7]) then return {'lobbies'} end
  if redis.call('SADD', P .. 'lobbies', name) == 0 then return {'retry'} end
  redis.call('HSET', L, 'mesh', mesh)
else
  local meta = redis.call('HMGET', L, 'mesh', 'sealed')
  if not meta[1] then return {'missing'} end
  if meta[2] then return {'sealed'} end
  mesh = meta[1]
  if redis.call('HLEN', L .. ':m') >= tonumber(ARGV[6]) then return {'full'} end
  if redis.call('SISMEMBER', L .. ':u', id) == 1 then return {'retry'} end
end
local out = {'ok', mesh}
local members = redis.call('HGETALL', L .. ':m')
for i = 1, #members, 2 do
  out[#out + 1] = members[i]
  send(members[i + 1], name, members[i], 'm', frame(2, id))
end
redis.call('HSET', L .. ':m', id, inst)
redis.call('SADD', L .. ':u', id)
redis.call('SADD', P .. 'i:' .. inst .. ':m', name .. ' ' .. id)
return out
`)

// ARGV: name, id, host-left close.
var luaLeave = newLuaScript(`
return leave(ARGV[1], ARGV[2], ARGV[3])
`)

// ARGV: name, destination id, frame. Returns 1 if published.
var luaForward = newLuaScript(`
local inst = redis.call('HGET', P .. 'l:' .. ARGV[1] .. ':m', ARGV[2])
if not inst then return 0 end
send(inst, ARGV[1], ARGV[2], 'm', ARGV[3])
return 1
`)

// ARGV: name, SEAL frame. Returns 1 if it sealed the lobby now.
var luaSeal = newLuaScript(`
local L = P .. 'l:' .. ARGV[1]
if redis.call('EXISTS', L) == 0 or redis.call('HGET', L, 'sealed') then return 0 end
redis.call('HSET', L, 'sealed', '1')
local members = redis.call('HGETALL', L .. ':m')
for i = 1, #members, 2 do send(members[i + 1], ARGV[1], members[i], 'm', ARGV[2]) end
return 1
`)

// ARGV: name, close. Closes every member and deletes the lobby.
var luaCloseLobby = newLuaScript(`
if redis.call('EXISTS', P .. 'l:' .. ARGV[1]) == 1 then close_lobby(ARGV[1], false, ARGV[2]) end
return 1
`)
