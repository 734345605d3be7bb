package protocol

import (
	"errors"
	"testing"
	"time"
)

func TestDecode(t *testing.T) {
	good := []struct {
		frame string
		want  Message
	}{
		{`{"type":0,"id":0,"data":""}`, Message{Join, 0, ""}},
		{`{"type":4,"id":2147483647,"data":"v=0\r\n"}`, Message{Offer, MaxPeerID, "v=0\r\n"}},
		{`{"id":1,"type":6}`, Message{Candidate, 1, ""}},                            // data may be absent
		{`{"type":5.0,"id":3e2,"data":"x","extra":[1]}`, Message{Answer, 300, "x"}}, // Godot floats, extra keys
		{` {"type":7,"id":0,"data":"\u00e9\"\\"} `, Message{Seal, 0, "é\"\\"}},
		{`{"type":64,"id":9,"data":"{}"}`, Message{TURN, 9, "{}"}},
	}
	for _, g := range good {
		got, err := Decode([]byte(g.frame))
		if err != nil || got != g.want {
			t.Errorf("Decode(%s) = %+v, %v; want %+v", g.frame, got, err, g.want)
		}
	}
	bad := []string{
		``, `null`, `[]`, `"x"`, `{`, `{"type":0}`, `{"id":0}`,
		`{"type":"4","id":0}`, `{"type":4,"id":"1"}`, `{"type":4,"id":1.5}`, `{"type":4,"id":-1}`,
		`{"type":-1,"id":0}`, `{"type":4,"id":2147483648}`, `{"type":4,"id":1e400}`,
		`{"type":4,"id":1,"data":5}`, `{"type":4,"id":1,"data":null}`, `{"type":true,"id":1}`,
		"{\"type\":4,\"id\":1,\"data\":\"\xff\"}",
	}
	for _, b := range bad {
		if m, err := Decode([]byte(b)); !errors.Is(err, ErrMalformed) {
			t.Errorf("Decode(%q) = %+v, %v; want ErrMalformed", b, m, err)
		}
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	for _, m := range []Message{
		{Join, 0, "AbCdEfGhIjKlMnOp"},
		{ID, 1, "true"},
		{Offer, 123456, "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n\"quoted\" \\ \t\x01 <&> é \u2028 日本"},
		{Candidate, MaxPeerID, ICECandidate{"0", 0, "candidate:1 1 udp 1 127.0.0.1 5000 typ host"}.Data()},
	} {
		frame := m.Encode()
		got, err := Decode(frame)
		if err != nil || got != m {
			t.Errorf("Decode(Encode(%+v)) = %+v, %v (frame %s)", m, got, err, frame)
		}
	}
	if got := string(Message{PeerConnect, 7, ""}.Encode()); got != `{"type":2,"id":7,"data":""}` {
		t.Errorf("Encode = %s", got)
	}
	// Invalid UTF-8 in data becomes U+FFFD, never an invalid frame.
	if got, err := Decode(Message{Offer, 2, "a\xffb"}.Encode()); err != nil || got.Data != "a\ufffdb" {
		t.Errorf("invalid UTF-8: %+v, %v", got, err)
	}
}

func TestICECandidate(t *testing.T) {
	c := ICECandidate{Mid: "0", Index: 1, SDP: "candidate:3 1 udp 2130706431 127.0.0.1 40000 typ host"}
	if got := c.Data(); got != "\n0\n1\n"+c.SDP {
		t.Errorf("Data() = %q", got)
	}
	for _, data := range []string{c.Data(), "0\n1\n" + c.SDP} {
		if got, err := ParseICECandidate(data); err != nil || got != c {
			t.Errorf("ParseICECandidate(%q) = %+v, %v", data, got, err)
		}
	}
	for _, bad := range []string{"", "\n0\n1", "\n\n1\nsdp", "\n0\nx\nsdp", "\n0\n-1\nsdp", "\n0\n1\n", "\n0\n1\nsdp\nmore", "\n0\n99999999999\nsdp"} {
		if got, err := ParseICECandidate(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseICECandidate(%q) = %+v, %v; want ErrMalformed", bad, got, err)
		}
	}
}

func TestTURNCredentials(t *testing.T) {
	// Expected password from: printf '1700000000:42' | openssl dgst -sha1 -hmac north -binary | base64
	s := TURNCredentials("north", 42, time.Unix(1700000000, 0), []string{"turn:127.0.0.1:3478"})
	want := ICEServer{URLs: []string{"turn:127.0.0.1:3478"}, Username: "1700000000:42", Credential: "DWX3FI7DiPIpadEYQAZsnZBAagI="}
	if s.Username != want.Username || s.Credential != want.Credential || len(s.URLs) != 1 || s.URLs[0] != want.URLs[0] {
		t.Fatalf("TURNCredentials = %+v, want %+v", s, want)
	}
	if got := s.Data(); got != `{"urls":["turn:127.0.0.1:3478"],"username":"1700000000:42","credential":"DWX3FI7DiPIpadEYQAZsnZBAagI="}` {
		t.Errorf("Data() = %s", got)
	}
	back, err := ParseICEServer(s.Data())
	if err != nil || back.Username != s.Username || back.Credential != s.Credential || back.URLs[0] != s.URLs[0] {
		t.Errorf("ParseICEServer(Data()) = %+v, %v", back, err)
	}
	for _, bad := range []string{``, `[]`, `{"urls":[],"username":"a","credential":"b"}`, `{"urls":["turn:x"],"username":"a"}`, `{"urls":"turn:x","username":"a","credential":"b"}`} {
		if _, err := ParseICEServer(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseICEServer(%q): %v, want ErrMalformed", bad, err)
		}
	}
}

func TestTypeNames(t *testing.T) {
	if Seal.String() != "SEAL" || TURN.String() != "TURN" || Type(9).String() != "type 9" {
		t.Errorf("names: %v %v %v", Seal, TURN, Type(9))
	}
	for typ := Join; typ <= TURN; typ++ {
		if typ.Relayed() != (typ == Offer || typ == Answer || typ == Candidate) {
			t.Errorf("%v.Relayed() = %v", typ, typ.Relayed())
		}
	}
}

// FuzzDecode: any frame decodes or fails with ErrMalformed, never panics,
// and what decodes encodes to a frame that decodes to the same message.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`{"type":0,"id":0,"data":""}`, `{"type":6,"id":5,"data":"\n0\n0\ncandidate"}`,
		`{"type":4.0,"id":1e1}`, `{"type":4,"id":1,"data":"\ud800"}`, `[1]`, `{"type":{}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		m, err := Decode(frame)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error not ErrMalformed: %v", err)
			}
			return
		}
		again, err := Decode(m.Encode())
		if err != nil || again != m {
			t.Fatalf("Decode(Encode(%+v)) = %+v, %v", m, again, err)
		}
		if m.Type == Candidate {
			if c, err := ParseICECandidate(m.Data); err == nil {
				if back, err := ParseICECandidate(c.Data()); err != nil || back != c {
					t.Fatalf("candidate round trip %+v: %+v, %v", c, back, err)
				}
			}
		}
	})
}
