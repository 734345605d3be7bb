package protocol

import (
	"fmt"
	"strconv"
	"strings"
)

// ICECandidate is a CANDIDATE message's data: the three arguments of
// Godot's ice_candidate_created / add_ice_candidate (media, index, name).
type ICECandidate struct {
	Mid   string
	Index int32
	SDP   string
}

// Data is the candidate as a CANDIDATE message's data, the demo's format:
// "\n" + mid + "\n" + index + "\n" + sdp.
func (c ICECandidate) Data() string {
	return "\n" + c.Mid + "\n" + strconv.Itoa(int(c.Index)) + "\n" + c.SDP
}

// ParseICECandidate reads a CANDIDATE message's data. Like the demo's
// client it drops the empty first field, then wants exactly mid, index (a
// whole number in 0..2147483647) and sdp, none of them empty.
func ParseICECandidate(data string) (ICECandidate, error) {
	parts := strings.Split(strings.TrimPrefix(data, "\n"), "\n")
	if len(parts) != 3 || parts[0] == "" || parts[2] == "" {
		return ICECandidate{}, fmt.Errorf("%w: a candidate is \"\\n\" mid \"\\n\" index \"\\n\" sdp", ErrMalformed)
	}
	index, err := strconv.ParseInt(parts[1], 10, 32)
	if err != nil || index < 0 {
		return ICECandidate{}, fmt.Errorf("%w: candidate index %q is not a whole number", ErrMalformed, parts[1])
	}
	return ICECandidate{Mid: parts[0], Index: int32(index), SDP: parts[2]}, nil
}
