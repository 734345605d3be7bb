package core

import (
	"errors"
	"fmt"
	"net"
	"net/url"

	"github.com/pion/stun/v4"
)

// parseICEURL is stun.ParseURI without its endless recursion. pion/stun
// (v4.0.1) appends the default port and parses again for as long as the
// host and port read "missing port in address", which a bracketed host
// followed by anything but ":port" always does ("stun:[::1]x"): the stack
// grows until the process dies. Found by FuzzParseConfig.
func parseICEURL(raw string) (*stun.URI, error) {
	if u, err := url.Parse(raw); err == nil {
		var addrErr *net.AddrError
		if _, _, err := net.SplitHostPort(u.Opaque + ":3478"); errors.As(err, &addrErr) && addrErr.Err == "missing port in address" {
			return nil, fmt.Errorf("bad host and port %q", u.Opaque)
		}
	}
	return stun.ParseURI(raw)
}
