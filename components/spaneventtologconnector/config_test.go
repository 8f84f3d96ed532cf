// Copyright The ocelot Authors
// SPDX-License-Identifier: Apache-2.0

package spaneventtologconnector

import (
	"strings"
	"testing"

	"go.opentelemetry.io/collector/confmap"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr []string
	}{
		{name: "defaults", cfg: *createDefaultConfig().(*Config)},
		{name: "all sources and aliases", cfg: Config{
			LogAttributesFrom:   []string{sourceEvent, sourceSpan, sourceResource},
			SeverityByEventName: map[string]string{"retry": "Warning", "db": "err", "x": "FATAL4", "y": "trace1"},
		}},
		{name: "unknown source", cfg: Config{LogAttributesFrom: []string{"span.attrs"}},
			wantErr: []string{`unknown source "span.attrs"`, "allowed: event.attributes"}},
		{name: "unknown severity", cfg: Config{SeverityByEventName: map[string]string{"retry": "loud"}},
			wantErr: []string{`severity_by_event_name["retry"]: unknown severity "loud"`}},
		{name: "unspecified is not a severity", cfg: Config{SeverityByEventName: map[string]string{"a": "unspecified"}},
			wantErr: []string{`"unspecified"`}},
		{name: "empty key", cfg: Config{SeverityByEventName: map[string]string{"": "error"}},
			wantErr: []string{"empty key would match every event"}},
		{name: "empty event name", cfg: Config{IncludeEventNames: []string{"exception", ""}},
			wantErr: []string{"include_event_names"}},
		{name: "every error at once", cfg: Config{LogAttributesFrom: []string{"x"}, SeverityByEventName: map[string]string{"a": "b"}},
			wantErr: []string{`source "x"`, `severity "b"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Validate() = %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want %q", tt.wantErr)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Validate() = %q, want it to contain %q", err, want)
				}
			}
		})
	}
}

// TestUnmarshalDev7aExample loads the example configuration of dev7a's v0.6 README.
func TestUnmarshalDev7aExample(t *testing.T) {
	cm := confmap.NewFromStringMap(map[string]any{
		"include_event_names":    []any{"exception", "retry", "db.query"},
		"include_span_context":   true,
		"log_attributes_from":    []any{"event.attributes", "span.attributes"},
		"severity_by_event_name": map[string]any{"exception": "error", "database": "debug", "retry": "warning"},
		"severity_attribute":     "log.level",
		"add_level":              true,
		"attribute_mappings": map[string]any{
			"body": "event.body", "severity_number": "event.severity_number",
			"severity_text": "event.severity_text", "event_name": "event.name",
		},
	})
	cfg := createDefaultConfig().(*Config)
	if err := cm.Unmarshal(cfg); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	want := AttributeMappings{Body: "event.body", SeverityNumber: "event.severity_number",
		SeverityText: "event.severity_text", EventName: "event.name"}
	if cfg.AttributeMappings != want || cfg.SeverityAttribute != "log.level" || !cfg.AddLevel ||
		len(cfg.IncludeEventNames) != 3 || cfg.SeverityByEventName["retry"] != "warning" ||
		strings.Join(cfg.LogAttributesFrom, ",") != "event.attributes,span.attributes" {
		t.Fatalf("unexpected config: %+v", cfg)
	}
}

func TestUnmarshalRejectsUnknownOption(t *testing.T) {
	cm := confmap.NewFromStringMap(map[string]any{"include_event_name": []any{"x"}})
	if err := cm.Unmarshal(createDefaultConfig()); err == nil || !strings.Contains(err.Error(), "include_event_name") {
		t.Fatalf("Unmarshal = %v, want an error naming the unknown option", err)
	}
}

func TestSeverityWords(t *testing.T) {
	for word, want := range map[string]string{"TRACE": "trace", "warning3": "warn3", "Err": "error", " info4 ": "info4"} {
		if _, got, ok := parseSeverity(word); !ok || got != want {
			t.Errorf("parseSeverity(%q) = %q, %v; want %q", word, got, ok, want)
		}
	}
	for _, raw := range []any{int64(0), int64(25), "x", 3.0} {
		if _, ok := severityNumber(raw); ok {
			t.Errorf("severityNumber(%v) accepted", raw)
		}
	}
	if n, ok := severityNumber("17"); !ok || severityText(n) != "error" {
		t.Errorf(`severityNumber("17") = %v, %v`, n, ok)
	}
}
