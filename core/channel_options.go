package core

import (
	"encoding/json"
	"math"
	"strings"

	"github.com/pion/webrtc/v4"
)

// ChannelOptions are create_data_channel's options, as Godot documents them.
type ChannelOptions struct {
	Negotiated        bool
	ID                int32 // -1: not set
	MaxPacketLifeTime int32 // -1: not set (milliseconds)
	MaxRetransmits    int32 // -1: not set
	Ordered           bool
	Protocol          string
}

// sctpMinRTOMillis is pion/sctp's minimum retransmission timeout.
const sctpMinRTOMillis = 1000

// orUnset maps -1 ("not set") to unsetLimit.
func orUnset(v int32) int32 {
	if v < 0 {
		return unsetLimit
	}
	return v
}

// unsetLimit is what Godot reports for a lifetime, retransmit count or id that was never set.
const unsetLimit = 65535

// DefaultChannelOptions is an ordered, reliable, in-band channel.
func DefaultChannelOptions() ChannelOptions {
	return ChannelOptions{ID: -1, MaxPacketLifeTime: -1, MaxRetransmits: -1, Ordered: true}
}

// ParseChannelOptions reads create_data_channel's options object. Both
// "maxPacketLifeTime" (Godot's docs) and "maxPacketLifetime" (what Godot's
// own WebRTCMultiplayerPeer writes) set the lifetime. Unknown keys are
// logged and ignored; known keys of the wrong type are errors.
func ParseChannelOptions(text string) (ChannelOptions, error) {
	opts := DefaultChannelOptions()
	if strings.TrimSpace(text) == "" {
		return opts, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(text), &raw); err != nil {
		return opts, errorf(ErrInvalidParameter, "channel options are not a JSON object: %v", err)
	}
	for key, value := range raw {
		if string(value) == "null" {
			continue // JavaScript's "not given"
		}
		var err error
		switch key {
		case "negotiated":
			err = unmarshalOption(key, value, &opts.Negotiated)
		case "ordered":
			err = unmarshalOption(key, value, &opts.Ordered)
		case "protocol":
			err = unmarshalOption(key, value, &opts.Protocol)
		case "id":
			opts.ID, err = uint16Option(key, value, 65534)
		case "maxRetransmits":
			opts.MaxRetransmits, err = uint16Option(key, value, 65535)
		case "maxPacketLifeTime", "maxPacketLifetime":
			if opts.MaxPacketLifeTime >= 0 {
				return opts, errorf(ErrInvalidParameter, "channel options: set only one of maxPacketLifeTime and maxPacketLifetime")
			}
			opts.MaxPacketLifeTime, err = uint16Option(key, value, 65535)
		default:
			Logs.NewLogger("config").Warnf("ignoring unknown channel option %q", key)
		}
		if err != nil {
			return opts, err
		}
	}
	return opts, opts.validate()
}

func (o ChannelOptions) validate() error {
	if o.Negotiated && o.ID < 0 {
		return errorf(ErrInvalidParameter, "channel options: a negotiated channel needs an id")
	}
	if !o.Negotiated && o.ID >= 0 {
		return errorf(ErrInvalidParameter, "channel options: id is only allowed with negotiated: true")
	}
	if o.MaxPacketLifeTime >= 0 && o.MaxRetransmits >= 0 {
		return errorf(ErrInvalidParameter, "channel options: set maxRetransmits or maxPacketLifeTime, not both")
	}
	return nil
}

func unmarshalOption(key string, value json.RawMessage, dst any) error {
	if err := json.Unmarshal(value, dst); err != nil {
		return errorf(ErrInvalidParameter, "channel option %s has the wrong type: %s", key, value)
	}
	return nil
}

func uint16Option(key string, value json.RawMessage, max int64) (int32, error) {
	var n float64
	if err := json.Unmarshal(value, &n); err != nil || n != math.Trunc(n) || n < 0 || n > float64(max) {
		return -1, errorf(ErrInvalidParameter, "channel option %s must be a whole number from 0 to %d, got %s", key, max, value)
	}
	return int32(n), nil
}

func (o ChannelOptions) pionInit() *webrtc.DataChannelInit {
	init := &webrtc.DataChannelInit{Ordered: &o.Ordered, Protocol: &o.Protocol}
	if o.Negotiated {
		id := uint16(o.ID)
		init.Negotiated = &o.Negotiated
		init.ID = &id
	}
	switch {
	case o.Negotiated && o.MaxPacketLifeTime >= 0 && o.MaxPacketLifeTime < sctpMinRTOMillis:
		// pion/sctp never abandons a timed message once sent, so a short
		// lifetime would be fully reliable. A lifetime below the minimum
		// retransmission timeout allows one transmission: say exactly that.
		// Negotiated channels put no reliability on the wire, so peers see
		// no difference; the channel still reports the lifetime asked for.
		zero := uint16(0)
		init.MaxRetransmits = &zero
	case o.MaxPacketLifeTime >= 0:
		v := uint16(o.MaxPacketLifeTime)
		init.MaxPacketLifeTime = &v
	}
	if o.MaxRetransmits >= 0 {
		v := uint16(o.MaxRetransmits)
		init.MaxRetransmits = &v
	}
	return init
}
