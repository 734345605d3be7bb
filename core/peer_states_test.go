package core

import (
	"testing"

	"github.com/pion/webrtc/v4"
)

// The connection state follows pion's RTCPeerConnectionState rules from the
// transports' states, with meshrtc's three differences (see stateTracker).
func TestDeriveConnectionState(t *testing.T) {
	const (
		iceNew, iceChecking, iceConnected = webrtc.ICEConnectionStateNew, webrtc.ICEConnectionStateChecking, webrtc.ICEConnectionStateConnected
		iceDisconnected, iceFailed        = webrtc.ICEConnectionStateDisconnected, webrtc.ICEConnectionStateFailed
		iceClosed                         = webrtc.ICEConnectionStateClosed
		dtlsNew, dtlsConnecting           = webrtc.DTLSTransportStateNew, webrtc.DTLSTransportStateConnecting
		dtlsConnected, dtlsFailed         = webrtc.DTLSTransportStateConnected, webrtc.DTLSTransportStateFailed
		dtlsClosed                        = webrtc.DTLSTransportStateClosed
	)
	for _, tc := range []struct {
		name string
		t    *stateTracker
		want ConnectionState
	}{
		{"new", &stateTracker{ice: iceNew, dtls: dtlsNew}, ConnectionNew},
		{"checking", &stateTracker{ice: iceChecking, dtls: dtlsNew}, ConnectionConnecting},
		{"handshaking", &stateTracker{ice: iceConnected, dtls: dtlsConnecting}, ConnectionConnecting},
		{"connected", &stateTracker{ice: iceConnected, dtls: dtlsConnected}, ConnectionConnected},
		{"disconnected", &stateTracker{ice: iceDisconnected, dtls: dtlsConnected, connected: true}, ConnectionDisconnected},
		{"ice failed", &stateTracker{ice: iceFailed, dtls: dtlsConnected, connected: true}, ConnectionFailed},
		{"handshake failed", &stateTracker{ice: iceConnected, dtls: dtlsFailed}, ConnectionFailed},
		{"closed after connecting", &stateTracker{ice: iceClosed, dtls: dtlsClosed, connected: true}, ConnectionClosed},
		{"pion closed after connecting", &stateTracker{ice: iceConnected, dtls: dtlsConnected, connected: true, pionClosed: true}, ConnectionClosed},
		{"closed before connecting", &stateTracker{ice: iceConnected, dtls: dtlsClosed}, ConnectionFailed},
		{"pion closed before connecting", &stateTracker{ice: iceChecking, dtls: dtlsConnecting, pionClosed: true}, ConnectionFailed},
		{"not connected in time", &stateTracker{ice: iceChecking, dtls: dtlsNew, checkOver: true}, ConnectionFailed},
		{"failed stays", &stateTracker{ice: iceConnected, dtls: dtlsConnected, failed: true}, ConnectionFailed},
	} {
		if got := tc.t.derive(); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}
