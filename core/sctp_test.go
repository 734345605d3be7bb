package core

import (
	"strings"
	"testing"
	"time"
)

func TestSCTPOptionsDefaults(t *testing.T) {
	want := SCTPOptions{RTOMax: 500 * time.Millisecond, MinCwnd: 64 * 1024, FastRtxWnd: 64 * 1024}
	if got := DefaultConfig().SCTP; got != want {
		t.Fatalf("default SCTP options %+v, want %+v", got, want)
	}
}

func TestSCTPOptionsParse(t *testing.T) {
	for _, tc := range []struct {
		options string
		want    SCTPOptions
	}{
		{`"sctpRtoMaxMs":2000,"sctpMinCwnd":32768,"sctpFastRtxWnd":16384,"sctpCwndCaStep":4800`,
			SCTPOptions{RTOMax: 2 * time.Second, MinCwnd: 32768, FastRtxWnd: 16384, CwndCAStep: 4800}},
		// Zero is pion's own value for each.
		{`"sctpRtoMaxMs":0,"sctpMinCwnd":0,"sctpFastRtxWnd":0,"sctpCwndCaStep":0.0`, SCTPOptions{}},
		{`"sctpRtoMaxMs":60000`, SCTPOptions{RTOMax: time.Minute, MinCwnd: 64 * 1024, FastRtxWnd: 64 * 1024}},
	} {
		cfg, err := ParseConfig(loopbackWith(tc.options))
		if err != nil {
			t.Fatalf("%s: %v", tc.options, err)
		}
		if cfg.SCTP != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.options, cfg.SCTP, tc.want)
		}
		if _, _, err := cfg.newAPI(); err != nil {
			t.Errorf("%s: newAPI: %v", tc.options, err)
		}
	}
}

func TestSCTPOptionsRangeErrors(t *testing.T) {
	for _, option := range []string{
		`"sctpRtoMaxMs":-1`, `"sctpRtoMaxMs":60001`, `"sctpRtoMaxMs":0.5`, `"sctpRtoMaxMs":"500"`,
		`"sctpMinCwnd":-1`, `"sctpMinCwnd":67108865`, `"sctpFastRtxWnd":1e9`, `"sctpCwndCaStep":-4800`,
		`"sctpRtomaxMs":500`,
	} {
		_, err := ParseConfig(loopbackWith(option))
		name := strings.Trim(strings.SplitN(option, ":", 2)[0], `"`)
		wantCode(t, option, err, CodeInvalidParameter)
		if !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %q does not name the option", option, err)
		}
	}
}
