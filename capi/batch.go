package main

/*
#cgo CFLAGS: -I${SRCDIR}/../include -DMESHRTC_TYPES_ONLY
#include "meshrtc.h"
*/
import "C"

import (
	"math"
	"time"
	"unsafe"

	"github.com/meshrtc/meshrtc/core"
)

// maxBatchInfos bounds the packet descriptions one batched get fills (the
// caller gets more with the next call).
const maxBatchInfos = 1024

// getBatch checks a batched get's arguments, runs get into the caller's
// buffer and writes the descriptions out. The descriptions pass through
// o's reused slice: the call allocates nothing.
func getBatch(o *object, buf *C.uint8_t, bufCap C.int32_t, outInfo *C.meshrtc_packet_info, infoCap C.int32_t, outCount *C.int32_t,
	get func([]byte, []core.PacketInfo) (int, error)) error {
	switch {
	case outCount == nil || outInfo == nil:
		return invalid("out_info and out_count must not be NULL")
	case infoCap < 1:
		return invalid("info_cap %d is less than 1", infoCap)
	case bufCap < 0 || (buf == nil && bufCap > 0):
		return invalid("buf NULL with buf_cap %d, or buf_cap negative", bufCap)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if want := min(int(infoCap), maxBatchInfos); len(o.infos) < want {
		o.infos = make([]core.PacketInfo, want)
	}
	infos := o.infos[:min(int(infoCap), maxBatchInfos)]
	dst := unsafe.Slice((*byte)(unsafe.Pointer(buf)), int(bufCap))
	n, err := get(dst, infos)
	*outCount = C.int32_t(n)
	out := unsafe.Slice((*C.meshrtc_packet_info)(unsafe.Pointer(outInfo)), int(infoCap))
	if err != nil {
		out[0] = C.meshrtc_packet_info{size: C.int32_t(infos[0].Size)}
		return err
	}
	for i, info := range infos[:n] {
		out[i] = C.meshrtc_packet_info{size: C.int32_t(info.Size), is_string: boolInt(info.IsString),
			peer_id: C.int32_t(info.PeerID), channel: C.int32_t(info.Channel), mode: C.int32_t(info.Mode)}
	}
	return nil
}

// putBatch checks a batched put's arguments and runs put over the messages.
func putBatch(data *C.uint8_t, sizes *C.int32_t, count C.int32_t, outSent *C.int32_t,
	put func([]byte, []int32) (int, error)) error {
	if outSent != nil {
		*outSent = 0
	}
	switch {
	case count < 0:
		return invalid("count %d is negative", count)
	case sizes == nil && count > 0:
		return invalid("sizes is NULL but count is %d", count)
	}
	lens := unsafe.Slice((*int32)(unsafe.Pointer(sizes)), int(count))
	var total int64
	for i, n := range lens {
		if n < 0 {
			return invalid("sizes[%d] is negative (%d)", i, n)
		}
		total += int64(n)
	}
	if total > math.MaxInt32 {
		return invalid("the sizes add up to %d bytes, more than 2^31 - 1", total)
	}
	bytes, err := borrowedBytes(data, C.int32_t(total))
	if err != nil {
		return err
	}
	sent, err := put(bytes, lens)
	if outSent != nil {
		*outSent = C.int32_t(sent)
	}
	return err
}

//export meshrtc_channel_get_packets
func meshrtc_channel_get_packets(channel C.meshrtc_channel, buf *C.uint8_t, bufCap C.int32_t, outInfo *C.meshrtc_packet_info,
	infoCap C.int32_t, outCount *C.int32_t) C.int32_t {
	return withChannel(channel, func(c *core.Channel, o *object) error {
		return getBatch(o, buf, bufCap, outInfo, infoCap, outCount, c.GetPackets)
	})
}

//export meshrtc_channel_put_packets
func meshrtc_channel_put_packets(channel C.meshrtc_channel, data *C.uint8_t, sizes *C.int32_t, count C.int32_t, outSent *C.int32_t) C.int32_t {
	return withChannel(channel, func(c *core.Channel, _ *object) error {
		return putBatch(data, sizes, count, outSent, c.PutPackets)
	})
}

//export meshrtc_mesh_get_packets
func meshrtc_mesh_get_packets(mesh C.meshrtc_mesh, buf *C.uint8_t, bufCap C.int32_t, outInfo *C.meshrtc_packet_info,
	infoCap C.int32_t, outCount *C.int32_t) C.int32_t {
	return withMesh(mesh, func(m *core.Mesh, o *object) error {
		return getBatch(o, buf, bufCap, outInfo, infoCap, outCount, m.GetPackets)
	})
}

//export meshrtc_mesh_put_packets
func meshrtc_mesh_put_packets(mesh C.meshrtc_mesh, data *C.uint8_t, sizes *C.int32_t, count C.int32_t, outSent *C.int32_t) C.int32_t {
	return withMesh(mesh, func(m *core.Mesh, _ *object) error {
		return putBatch(data, sizes, count, outSent, m.PutPackets)
	})
}

//export meshrtc_wait
func meshrtc_wait(timeoutUs C.int64_t, outArrived *C.int32_t) C.int32_t {
	return callNoHandle(func() error {
		if timeoutUs < 0 {
			return invalid("timeout_us %d is negative", timeoutUs)
		}
		arrived := core.Wait(time.Duration(min(int64(timeoutUs), math.MaxInt64/int64(time.Microsecond))) * time.Microsecond)
		if outArrived != nil {
			*outArrived = boolInt(arrived)
		}
		return nil
	})
}
