package main

/*
#cgo CFLAGS: -I${SRCDIR}/../include -DMESHRTC_TYPES_ONLY
#include "meshrtc.h"
*/
import "C"

import (
	"github.com/meshrtc/meshrtc/core"
)

// withChannel is call for channel exports.
func withChannel(h C.meshrtc_channel, fn func(*core.Channel, *object) error) C.int32_t {
	return call(C.int64_t(h), kindChannel, func(o *object) error { return fn(o.value.(*core.Channel), o) })
}

// channelGetter is the body of the exports that read one integer.
func channelGetter[T C.int32_t | C.int64_t](h C.meshrtc_channel, p *T, name string, get func(*core.Channel) T) C.int32_t {
	return withChannel(h, func(c *core.Channel, _ *object) error { return out(p, name, get(c)) })
}

//export meshrtc_channel_destroy
func meshrtc_channel_destroy(channel C.meshrtc_channel) C.int32_t {
	return destroy(C.int64_t(channel), kindChannel)
}

//export meshrtc_channel_poll
func meshrtc_channel_poll(channel C.meshrtc_channel) C.int32_t {
	return withChannel(channel, func(c *core.Channel, _ *object) error { return c.Poll() })
}

//export meshrtc_channel_close
func meshrtc_channel_close(channel C.meshrtc_channel) C.int32_t {
	return withChannel(channel, func(c *core.Channel, _ *object) error {
		c.Close()
		return nil
	})
}

//export meshrtc_channel_put_packet
func meshrtc_channel_put_packet(channel C.meshrtc_channel, data *C.uint8_t, length C.int32_t) C.int32_t {
	return withChannel(channel, func(c *core.Channel, _ *object) error {
		bytes, err := borrowedBytes(data, length)
		if err != nil {
			return err
		}
		return c.PutPacket(bytes)
	})
}

//export meshrtc_channel_get_packet
func meshrtc_channel_get_packet(channel C.meshrtc_channel, outData **C.uint8_t, outLen *C.int32_t) C.int32_t {
	return withChannel(channel, func(c *core.Channel, o *object) error {
		if outData == nil || outLen == nil {
			return invalid("out_data and out_len must not be NULL")
		}
		o.mu.Lock() // the packet lives in o.out until the next call
		defer o.mu.Unlock()
		p, err := c.GetPacket()
		if err != nil {
			return err
		}
		*outData, *outLen = o.out.packet(p.Data)
		return nil
	})
}

//export meshrtc_channel_get_available_packet_count
func meshrtc_channel_get_available_packet_count(channel C.meshrtc_channel, outCount *C.int32_t) C.int32_t {
	return channelGetter(channel, outCount, "out_count", func(c *core.Channel) C.int32_t { return C.int32_t(c.AvailablePacketCount()) })
}

//export meshrtc_channel_get_max_packet_size
func meshrtc_channel_get_max_packet_size(channel C.meshrtc_channel, outSize *C.int32_t) C.int32_t {
	return channelGetter(channel, outSize, "out_size", func(c *core.Channel) C.int32_t { return C.int32_t(c.MaxPacketSize()) })
}

//export meshrtc_channel_set_write_mode
func meshrtc_channel_set_write_mode(channel C.meshrtc_channel, mode C.int32_t) C.int32_t {
	return withChannel(channel, func(c *core.Channel, _ *object) error { return c.SetWriteMode(core.WriteMode(mode)) })
}

//export meshrtc_channel_get_write_mode
func meshrtc_channel_get_write_mode(channel C.meshrtc_channel, outMode *C.int32_t) C.int32_t {
	return channelGetter(channel, outMode, "out_mode", func(c *core.Channel) C.int32_t { return C.int32_t(c.WriteMode()) })
}

//export meshrtc_channel_was_string_packet
func meshrtc_channel_was_string_packet(channel C.meshrtc_channel, outIsString *C.int32_t) C.int32_t {
	return channelGetter(channel, outIsString, "out_is_string", func(c *core.Channel) C.int32_t { return boolInt(c.WasStringPacket()) })
}

//export meshrtc_channel_get_ready_state
func meshrtc_channel_get_ready_state(channel C.meshrtc_channel, outState *C.int32_t) C.int32_t {
	return channelGetter(channel, outState, "out_state", func(c *core.Channel) C.int32_t { return C.int32_t(c.State()) })
}

//export meshrtc_channel_get_label
func meshrtc_channel_get_label(channel C.meshrtc_channel, buf *C.char, capacity C.int32_t, outLen *C.int32_t) C.int32_t {
	return withChannel(channel, func(c *core.Channel, _ *object) error { return putText(c.Label(), buf, capacity, outLen) })
}

//export meshrtc_channel_get_protocol
func meshrtc_channel_get_protocol(channel C.meshrtc_channel, buf *C.char, capacity C.int32_t, outLen *C.int32_t) C.int32_t {
	return withChannel(channel, func(c *core.Channel, _ *object) error { return putText(c.Protocol(), buf, capacity, outLen) })
}

//export meshrtc_channel_is_ordered
func meshrtc_channel_is_ordered(channel C.meshrtc_channel, outOrdered *C.int32_t) C.int32_t {
	return channelGetter(channel, outOrdered, "out_ordered", func(c *core.Channel) C.int32_t { return boolInt(c.Ordered()) })
}

//export meshrtc_channel_get_id
func meshrtc_channel_get_id(channel C.meshrtc_channel, outID *C.int32_t) C.int32_t {
	return channelGetter(channel, outID, "out_id", func(c *core.Channel) C.int32_t { return C.int32_t(c.ID()) })
}

//export meshrtc_channel_get_max_packet_life_time
func meshrtc_channel_get_max_packet_life_time(channel C.meshrtc_channel, outMs *C.int32_t) C.int32_t {
	return channelGetter(channel, outMs, "out_ms", func(c *core.Channel) C.int32_t { return C.int32_t(c.MaxPacketLifeTime()) })
}

//export meshrtc_channel_get_max_retransmits
func meshrtc_channel_get_max_retransmits(channel C.meshrtc_channel, outCount *C.int32_t) C.int32_t {
	return channelGetter(channel, outCount, "out_count", func(c *core.Channel) C.int32_t { return C.int32_t(c.MaxRetransmits()) })
}

//export meshrtc_channel_is_negotiated
func meshrtc_channel_is_negotiated(channel C.meshrtc_channel, outNegotiated *C.int32_t) C.int32_t {
	return channelGetter(channel, outNegotiated, "out_negotiated", func(c *core.Channel) C.int32_t { return boolInt(c.Negotiated()) })
}

//export meshrtc_channel_get_buffered_amount
func meshrtc_channel_get_buffered_amount(channel C.meshrtc_channel, outBytes *C.int64_t) C.int32_t {
	return channelGetter(channel, outBytes, "out_bytes", func(c *core.Channel) C.int64_t { return C.int64_t(c.BufferedAmount()) })
}

//export meshrtc_channel_get_dropped_count
func meshrtc_channel_get_dropped_count(channel C.meshrtc_channel, outCount *C.int64_t) C.int32_t {
	return channelGetter(channel, outCount, "out_count", func(c *core.Channel) C.int64_t { return C.int64_t(c.DroppedPacketCount()) })
}

//export meshrtc_channel_get_stats
func meshrtc_channel_get_stats(channel C.meshrtc_channel, outStats *C.meshrtc_channel_stats) C.int32_t {
	return withChannel(channel, func(c *core.Channel, _ *object) error {
		st := c.Stats()
		return out(outStats, "out_stats", C.meshrtc_channel_stats{
			messages_sent:     C.int64_t(st.MessagesSent),
			messages_received: C.int64_t(st.MessagesReceived),
			bytes_sent:        C.int64_t(st.BytesSent),
			bytes_received:    C.int64_t(st.BytesReceived),
		})
	})
}
