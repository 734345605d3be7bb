// Package protocol is meshrtc's lobby signaling protocol: the one of Godot's
// webrtc_signaling demo, so the demo's GDScript clients work unchanged, plus
// one extension message (TURN credentials) that those clients ignore.
//
// Every message is a WebSocket text frame holding one JSON object
// {"type": int, "id": int, "data": string}:
//
//	type  name             direction  id                       data
//	0     JOIN             c→s        0 mesh, 1 server mode    lobby name ("" creates one)
//	0     JOIN             s→c        0                        the lobby's name
//	1     ID               s→c        the client's peer id     "true" mesh, "false" server mode
//	64    TURN             s→c        the client's peer id     an ICE server (see ICEServer)
//	2     PEER_CONNECT     s→c        the peer that is there   ""
//	3     PEER_DISCONNECT  s→c        the peer that left       ""
//	4     OFFER            both       c→s: to, s→c: from       SDP
//	5     ANSWER           both       c→s: to, s→c: from       SDP
//	6     CANDIDATE        both       c→s: to, s→c: from       "\n" mid "\n" index "\n" candidate
//	7     SEAL             both       0                        ""
//
// The server closes a connection with a close code and a reason (see the
// Close* and Reason* constants) when it refuses something.
package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// Type is a message's "type" field.
type Type int32

// The message types. TURN is meshrtc's extension: Godot's demo clients
// drop messages of types they do not know.
const (
	Join           Type = 0
	ID             Type = 1
	PeerConnect    Type = 2
	PeerDisconnect Type = 3
	Offer          Type = 4
	Answer         Type = 5
	Candidate      Type = 6
	Seal           Type = 7
	TURN           Type = 64
)

var typeNames = map[Type]string{
	Join: "JOIN", ID: "ID", PeerConnect: "PEER_CONNECT", PeerDisconnect: "PEER_DISCONNECT",
	Offer: "OFFER", Answer: "ANSWER", Candidate: "CANDIDATE", Seal: "SEAL", TURN: "TURN",
}

func (t Type) String() string {
	if name, ok := typeNames[t]; ok {
		return name
	}
	return "type " + strconv.Itoa(int(t))
}

// Relayed reports whether the server forwards messages of this type from
// one peer to another (OFFER, ANSWER, CANDIDATE).
func (t Type) Relayed() bool { return t == Offer || t == Answer || t == Candidate }

// JOIN's id: the mode of the lobby a client creates.
const (
	JoinMesh   int32 = 0
	JoinServer int32 = 1
)

// HostID is the peer id of a lobby's creator (the server in server mode).
const HostID int32 = 1

// MaxPeerID is the largest peer id (Godot's ids are positive int32).
const MaxPeerID int32 = math.MaxInt32

// Message is one protocol message.
type Message struct {
	Type Type
	ID   int32
	Data string
}

// ErrMalformed is wrapped by every Decode error.
var ErrMalformed = errors.New("malformed message")

// Decode reads one frame: a JSON object whose "type" and "id" are whole
// numbers in 0..2147483647 (4 and 4.0 both read as 4) and whose "data", if
// present, is a string (absent reads as ""). Other keys are ignored, as
// Godot's demo does. It checks the format only, not which types a side may
// send.
func Decode(frame []byte) (Message, error) {
	var fields map[string]json.RawMessage
	if !utf8.Valid(frame) {
		return Message{}, fmt.Errorf("%w: not UTF-8", ErrMalformed)
	}
	if err := json.Unmarshal(frame, &fields); err != nil || fields == nil {
		return Message{}, fmt.Errorf("%w: not a JSON object", ErrMalformed)
	}
	typ, err := wholeNumber(fields, "type")
	if err != nil {
		return Message{}, err
	}
	id, err := wholeNumber(fields, "id")
	if err != nil {
		return Message{}, err
	}
	msg := Message{Type: Type(typ), ID: id}
	if raw, ok := fields["data"]; ok {
		if raw = bytes.TrimSpace(raw); len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &msg.Data) != nil {
			return Message{}, fmt.Errorf("%w: \"data\" is not a string", ErrMalformed)
		}
	}
	return msg, nil
}

func wholeNumber(fields map[string]json.RawMessage, key string) (int32, error) {
	raw, ok := fields[key]
	if !ok {
		return 0, fmt.Errorf("%w: no %q", ErrMalformed, key)
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || (raw[0] != '-' && (raw[0] < '0' || raw[0] > '9')) {
		return 0, fmt.Errorf("%w: %q is not a number", ErrMalformed, key)
	}
	v, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || v != math.Trunc(v) || v < 0 || v > float64(MaxPeerID) {
		return 0, fmt.Errorf("%w: %q is not a whole number in 0..%d", ErrMalformed, key, MaxPeerID)
	}
	return int32(v), nil
}

// Encode is the message as a frame: {"type":T,"id":N,"data":"..."}.
func (m Message) Encode() []byte { return m.AppendEncoded(make([]byte, 0, 32+len(m.Data))) }

// AppendEncoded appends the frame to b.
func (m Message) AppendEncoded(b []byte) []byte {
	b = append(b, `{"type":`...)
	b = strconv.AppendInt(b, int64(m.Type), 10)
	b = append(b, `,"id":`...)
	b = strconv.AppendInt(b, int64(m.ID), 10)
	b = append(b, `,"data":`...)
	b = appendJSONString(b, m.Data)
	return append(b, '}')
}

// appendJSONString quotes s as JSON (encoding/json's escaping without its
// HTML escapes, which would only make SDP longer).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			if r == utf8.RuneError {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			}
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
