package ocelotstartup

import (
	"runtime/debug"
	"testing"
	"time"
)

func noEnv(string) string { return "" }

func TestHoldAndUndo(t *testing.T) {
	steps := hold(true, noEnv)
	if len(steps) != 1 {
		t.Fatalf("%d undo steps, want 1", len(steps))
	}
	if got := debug.SetGCPercent(-1); got != -1 {
		t.Fatalf("GC percent %d while held, want -1 (off)", got)
	}
	if got := debug.SetMemoryLimit(-1); got != startHeapLimit {
		t.Fatalf("memory limit %d while held, want %d", got, startHeapLimit)
	}
	steps[0]()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Fatalf("GC percent %d after undo, want 100", got)
	}
	if got := debug.SetMemoryLimit(-1); got == startHeapLimit {
		t.Fatal("memory limit still the start-up one after undo")
	}
}

func TestTheUsersSettingsWin(t *testing.T) {
	for _, name := range []string{"GOGC", "GOMEMLIMIT"} {
		env := func(k string) string {
			if k == name {
				return "200"
			}
			return ""
		}
		if steps := hold(true, env); len(steps) != 0 {
			t.Fatalf("%d undo steps with %s set, want 0", len(steps), name)
		}
		if got := debug.SetGCPercent(100); got != 100 {
			t.Fatalf("GC percent %d with %s set, want untouched 100", got, name)
		}
	}
}

func TestOffChangesNothing(t *testing.T) {
	if steps := hold(false, noEnv); len(steps) != 0 {
		t.Fatalf("%d undo steps with gc-off not asked for, want 0", len(steps))
	}
	Done()
	Done() // later calls do nothing
}

func TestPauseSleeps(t *testing.T) {
	began := time.Now()
	Pause()
	if time.Since(began) < time.Millisecond {
		t.Fatal("Pause returned before a millisecond")
	}
}
