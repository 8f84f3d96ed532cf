// Copyright The ocelot Authors
// SPDX-License-Identifier: Apache-2.0

package spaneventtologconnector

import (
	"context"
	"reflect"
	"testing"
	"time"

	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

var (
	traceID  = pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	spanID   = pcommon.SpanID{1, 1, 2, 3, 5, 8, 13, 21}
	observed = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
)

// event is a span event to put on the test span.
type event struct {
	name  string
	attrs map[string]any
}

// oneSpan is a trace with one resource, one scope and one span carrying events.
func oneSpan(events ...event) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "checkout")
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName("app")
	span := ss.Spans().AppendEmpty()
	span.SetName("GET /cart")
	span.SetTraceID(traceID)
	span.SetSpanID(spanID)
	span.SetFlags(0x101) // sampled, plus a non-W3C bit that must not be copied
	_ = span.Attributes().FromRaw(map[string]any{"http.route": "/cart", "shared": "from span"})
	for i, e := range events {
		se := span.Events().AppendEmpty()
		se.SetName(e.name)
		se.SetTimestamp(pcommon.Timestamp(1000 + i))
		_ = se.Attributes().FromRaw(e.attrs)
	}
	return td
}

// record is the part of a log record the tests compare.
type record struct {
	Resource  map[string]any
	Scope     string
	Body      any
	Number    plog.SeverityNumber
	Text      string
	Attrs     map[string]any
	Context   bool // trace id, span id and flags copied
	EventName string
	Time      pcommon.Timestamp
}

func flatten(t *testing.T, logs []plog.Logs) []record {
	t.Helper()
	var out []record
	for _, ld := range logs {
		for _, rl := range ld.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					if lr.ObservedTimestamp().AsTime() != observed {
						t.Errorf("observed timestamp %v, want the connector's clock", lr.ObservedTimestamp())
					}
					hasContext := lr.TraceID() == traceID && lr.SpanID() == spanID && lr.Flags() == 1
					if !hasContext && (!lr.TraceID().IsEmpty() || lr.Flags() != 0) {
						t.Errorf("partial span context: %v %v %v", lr.TraceID(), lr.SpanID(), lr.Flags())
					}
					out = append(out, record{rl.Resource().Attributes().AsRaw(), sl.Scope().Name(), lr.Body().AsRaw(),
						lr.SeverityNumber(), lr.SeverityText(), lr.Attributes().AsRaw(), hasContext, lr.EventName(), lr.Timestamp()})
				}
			}
		}
	}
	return out
}

// run converts td through a connector built by the factory, as the collector builds it.
func run(t *testing.T, mutate func(*Config), td ptrace.Traces) ([]record, int) {
	t.Helper()
	f := NewFactory()
	cfg := f.CreateDefaultConfig().(*Config)
	if mutate != nil {
		mutate(cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	sink := &consumertest.LogsSink{}
	conn, err := f.CreateTracesToLogs(context.Background(), connectortest.NewNopSettings(f.Type()), cfg, sink)
	if err != nil {
		t.Fatalf("CreateTracesToLogs: %v", err)
	}
	conn.(*spanEventToLog).now = func() time.Time { return observed }
	if err := conn.ConsumeTraces(context.Background(), td); err != nil {
		t.Fatalf("ConsumeTraces: %v", err)
	}
	return flatten(t, sink.AllLogs()), len(sink.AllLogs())
}

var svc = map[string]any{"service.name": "checkout"}

func TestConvert(t *testing.T) {
	exc := event{"exception", map[string]any{"exception.message": "boom"}}
	tests := []struct {
		name   string
		mutate func(*Config)
		events []event
		want   []record
	}{
		{name: "defaults", events: []event{exc, {"cache.miss", nil}},
			want: []record{
				{svc, "app", "exception", plog.SeverityNumberError, "error", map[string]any{"exception.message": "boom"}, true, "exception", 1000},
				{svc, "app", "cache.miss", plog.SeverityNumberInfo, "info", map[string]any{}, true, "cache.miss", 1001},
			}},
		{name: "include_event_names filters",
			mutate: func(c *Config) { c.IncludeEventNames = []string{"retry"} },
			events: []event{exc, {"retry", nil}},
			want:   []record{{svc, "app", "retry", plog.SeverityNumberInfo, "info", map[string]any{}, true, "retry", 1001}}},
		{name: "span attributes only, no resource, no context",
			mutate: func(c *Config) { c.LogAttributesFrom = []string{sourceSpan}; c.IncludeSpanContext = false },
			events: []event{exc},
			want: []record{{map[string]any{}, "app", "exception", plog.SeverityNumberError, "error",
				map[string]any{"http.route": "/cart", "shared": "from span"}, false, "exception", 1000}}},
		{name: "event attributes win over span attributes",
			mutate: func(c *Config) { c.LogAttributesFrom = []string{sourceEvent, sourceSpan} },
			events: []event{{"e", map[string]any{"shared": "from event"}}},
			want: []record{{map[string]any{}, "app", "e", plog.SeverityNumberInfo, "info",
				map[string]any{"http.route": "/cart", "shared": "from event"}, true, "e", 1000}}},
		{name: "longest case-insensitive substring wins",
			mutate: func(c *Config) {
				c.SeverityByEventName = map[string]string{"error": "error", "connection error": "fatal", "conn": "debug"}
			},
			events: []event{{"Database Connection Error", nil}, {"conn.reset", nil}},
			want: []record{
				{svc, "app", "Database Connection Error", plog.SeverityNumberFatal, "fatal", map[string]any{}, true, "Database Connection Error", 1000},
				{svc, "app", "conn.reset", plog.SeverityNumberDebug, "debug", map[string]any{}, true, "conn.reset", 1001},
			}},
		{name: "severity_attribute beats the event name, invalid values fall back",
			mutate: func(c *Config) { c.SeverityAttribute = "log.level" },
			events: []event{{"exception", map[string]any{"log.level": "WARNING"}}, {"exception", map[string]any{"log.level": "loud"}}},
			want: []record{
				{svc, "app", "exception", plog.SeverityNumberWarn, "warn", map[string]any{"log.level": "WARNING"}, true, "exception", 1000},
				{svc, "app", "exception", plog.SeverityNumberError, "error", map[string]any{"log.level": "loud"}, true, "exception", 1001},
			}},
		{name: "add_level never overwrites an existing level",
			mutate: func(c *Config) { c.AddLevel = true },
			events: []event{exc, {"x", map[string]any{"level": "custom"}}},
			want: []record{
				{svc, "app", "exception", plog.SeverityNumberError, "error", map[string]any{"exception.message": "boom", "level": "error"}, true, "exception", 1000},
				{svc, "app", "x", plog.SeverityNumberInfo, "info", map[string]any{"level": "custom"}, true, "x", 1001},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := run(t, tt.mutate, oneSpan(tt.events...))
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("records:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestAttributeMappings(t *testing.T) {
	mappings := func(c *Config) {
		c.SeverityAttribute = "log.level"
		c.AttributeMappings = AttributeMappings{Body: "event.body", SeverityNumber: "event.severity_number",
			SeverityText: "event.severity_text", EventName: "event.name"}
		c.LogAttributesFrom = nil
	}
	tests := []struct {
		name   string
		attrs  map[string]any
		body   any
		number plog.SeverityNumber
		text   string
	}{
		{"nothing mapped present falls back", map[string]any{"log.level": "debug"}, "exception", plog.SeverityNumberDebug, "debug"},
		{"body of any type", map[string]any{"event.body": map[string]any{"k": "v"}}, map[string]any{"k": "v"}, plog.SeverityNumberError, "error"},
		{"number and text", map[string]any{"event.severity_number": int64(18), "event.severity_text": "E!"}, "exception", plog.SeverityNumberError2, "E!"},
		{"number only gets canonical text", map[string]any{"event.severity_number": "13", "log.level": "fatal"}, "exception", plog.SeverityNumberWarn, "warn"},
		{"text only is parsed", map[string]any{"event.severity_text": "Debug"}, "exception", plog.SeverityNumberDebug, "Debug"},
		{"unparsable text keeps the lower rule's number", map[string]any{"event.severity_text": "NOTICE"}, "exception", plog.SeverityNumberError, "NOTICE"},
		{"out of range number is ignored", map[string]any{"event.severity_number": int64(99)}, "exception", plog.SeverityNumberError, "error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := run(t, mappings, oneSpan(event{"exception", tt.attrs}))
			if len(got) != 1 {
				t.Fatalf("%d records", len(got))
			}
			r := got[0]
			if !reflect.DeepEqual(r.Body, tt.body) || r.Number != tt.number || r.Text != tt.text {
				t.Fatalf("body %v severity %v %q; want %v %v %q", r.Body, r.Number, r.Text, tt.body, tt.number, tt.text)
			}
			if r.Attrs["event.name"] != "exception" || len(r.Attrs) != 1 {
				t.Fatalf("attributes %v, want only event.name", r.Attrs)
			}
		})
	}
}

func TestNoEventsNoLogs(t *testing.T) {
	if _, batches := run(t, nil, oneSpan()); batches != 0 {
		t.Fatalf("%d log batches for spans without events", batches)
	}
	filtered := func(c *Config) { c.IncludeEventNames = []string{"other"} }
	if _, batches := run(t, filtered, oneSpan(event{"exception", nil})); batches != 0 {
		t.Fatalf("%d log batches when every event is filtered out", batches)
	}
}

// TestGrouping checks that resource and scope grouping is kept and that
// groups without selected events are not emitted.
func TestGrouping(t *testing.T) {
	td := ptrace.NewTraces()
	for _, svcName := range []string{"a", "b", "c"} {
		rs := td.ResourceSpans().AppendEmpty()
		rs.SetSchemaUrl("https://opentelemetry.io/schemas/1.30.0")
		rs.Resource().Attributes().PutStr("service.name", svcName)
		for _, scope := range []string{"s1", "s2"} {
			ss := rs.ScopeSpans().AppendEmpty()
			ss.Scope().SetName(scope)
			span := ss.Spans().AppendEmpty()
			if svcName != "c" && scope == "s2" {
				span.Events().AppendEmpty().SetName(svcName + "/" + scope)
			}
		}
	}
	got, _ := run(t, nil, td)
	var shape []string
	for _, r := range got {
		shape = append(shape, r.Resource["service.name"].(string)+":"+r.Scope+":"+r.Body.(string))
	}
	if want := []string{"a:s2:a/s2", "b:s2:b/s2"}; !reflect.DeepEqual(shape, want) {
		t.Fatalf("records %v, want %v", shape, want)
	}
}

func TestFactory(t *testing.T) {
	f := NewFactory()
	if f.Type().String() != "spaneventtolog" {
		t.Errorf("type = %q, want spaneventtolog (dev7a's id)", f.Type())
	}
	if f.TracesToLogsStability().String() != "Alpha" {
		t.Errorf("traces→logs stability = %v", f.TracesToLogsStability())
	}
	_, err := f.CreateTracesToMetrics(context.Background(), connectortest.NewNopSettings(f.Type()),
		f.CreateDefaultConfig(), consumertest.NewNop())
	if err == nil {
		t.Error("traces→metrics must be unsupported")
	}
	var _ connector.Traces = newSpanEventToLog(f.CreateDefaultConfig().(*Config), consumertest.NewNop())
}
