package protocol

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// ICEServer is a TURN message's data: one entry of a peer configuration's
// "iceServers" (W3C RTCIceServer keys), so a client can append it as it is.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username"`
	Credential string   `json:"credential"`
}

// TURNCredentials are time-limited credentials in coturn's use-auth-secret
// scheme (the "TURN REST API"): username "expiry:peerid" with expiry in Unix
// seconds, password base64(HMAC-SHA1(secret, username)). A TURN server with
// the same static-auth-secret accepts them until expiry.
func TURNCredentials(secret string, peerID int32, expiry time.Time, urls []string) ICEServer {
	username := strconv.FormatInt(expiry.Unix(), 10) + ":" + strconv.Itoa(int(peerID))
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write([]byte(username))
	return ICEServer{
		URLs:       append([]string(nil), urls...),
		Username:   username,
		Credential: base64.StdEncoding.EncodeToString(mac.Sum(nil)),
	}
}

// Data is the ICE server as a TURN message's data (JSON).
func (s ICEServer) Data() string {
	b, err := json.Marshal(s)
	if err != nil { // a struct of strings always marshals
		panic(err)
	}
	return string(b)
}

// ParseICEServer reads a TURN message's data: it needs at least one URL and
// both credentials.
func ParseICEServer(data string) (ICEServer, error) {
	var s ICEServer
	if err := json.Unmarshal([]byte(data), &s); err != nil {
		return ICEServer{}, fmt.Errorf("%w: TURN data is not an ICE server object: %v", ErrMalformed, err)
	}
	if len(s.URLs) == 0 || s.Username == "" || s.Credential == "" {
		return ICEServer{}, fmt.Errorf("%w: TURN data needs urls, username and credential", ErrMalformed)
	}
	return s, nil
}
