package core

import "testing"

func TestSetGC(t *testing.T) {
	before, err := SetGC(KeepGCSetting, KeepGCSetting)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		limit := before.MemoryLimit
		if _, err := SetGC(before.Percent, limit); err != nil {
			t.Errorf("restore %+v: %v", before, err)
		}
	})
	steps := []struct {
		percent int
		limit   int64
		want    GCSettings
	}{
		{250, 64 << 20, GCSettings{250, 64 << 20}},
		{KeepGCSetting, KeepGCSetting, GCSettings{250, 64 << 20}},
		{KeepGCSetting, 0, GCSettings{250, 0}},
		{MinGCPercent, MinMemoryLimit, GCSettings{MinGCPercent, MinMemoryLimit}},
		{MaxGCPercent, KeepGCSetting, GCSettings{MaxGCPercent, MinMemoryLimit}},
		{100, 0, GCSettings{100, 0}},
	}
	for _, s := range steps {
		got, err := SetGC(s.percent, s.limit)
		if err != nil || got != s.want {
			t.Fatalf("SetGC(%d, %d) = %+v, %v; want %+v", s.percent, s.limit, got, err, s.want)
		}
	}
	for _, bad := range []struct {
		percent int
		limit   int64
	}{
		{0, KeepGCSetting}, {MinGCPercent - 1, KeepGCSetting}, {MaxGCPercent + 1, KeepGCSetting}, {-2, KeepGCSetting},
		{KeepGCSetting, 1}, {KeepGCSetting, MinMemoryLimit - 1}, {KeepGCSetting, -2}, {500, -5},
	} {
		if _, err := SetGC(bad.percent, bad.limit); CodeOf(err) != CodeInvalidParameter {
			t.Fatalf("SetGC(%d, %d): %v, want invalid parameter", bad.percent, bad.limit, err)
		}
	}
	if got, _ := SetGC(KeepGCSetting, KeepGCSetting); got != (GCSettings{100, 0}) {
		t.Fatalf("invalid calls changed the settings to %+v", got)
	}
}
