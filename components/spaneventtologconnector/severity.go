// Copyright The ocelot Authors
// SPDX-License-Identifier: Apache-2.0

package spaneventtologconnector // import "github.com/ocelot-otel/ocelot/components/spaneventtologconnector"

import (
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/plog"
)

// severityNames holds the canonical text of severity numbers 1..24 (index 0
// unused), as the OpenTelemetry log data model names them, lower-cased.
var severityNames = [...]string{"",
	"trace", "trace2", "trace3", "trace4",
	"debug", "debug2", "debug3", "debug4",
	"info", "info2", "info3", "info4",
	"warn", "warn2", "warn3", "warn4",
	"error", "error2", "error3", "error4",
	"fatal", "fatal2", "fatal3", "fatal4",
}

// severityAliases maps accepted spellings to canonical names; matching is
// case-insensitive. "warning" and "err" are accepted as dev7a's module did.
var severityAliases = map[string]string{
	"trace1": "trace", "debug1": "debug", "info1": "info", "warn1": "warn",
	"error1": "error", "fatal1": "fatal", "warning": "warn", "warning1": "warn",
	"warning2": "warn2", "warning3": "warn3", "warning4": "warn4", "err": "error",
}

// parseSeverity turns a severity word into its number and canonical text.
func parseSeverity(s string) (plog.SeverityNumber, string, bool) {
	word := strings.ToLower(strings.TrimSpace(s))
	if canonical, ok := severityAliases[word]; ok {
		word = canonical
	}
	for n := 1; n < len(severityNames); n++ {
		if severityNames[n] == word {
			return plog.SeverityNumber(n), word, true
		}
	}
	return plog.SeverityNumberUnspecified, "", false
}

// severityText is the canonical text of a valid severity number.
func severityText(n plog.SeverityNumber) string {
	if n < 1 || int(n) >= len(severityNames) {
		return ""
	}
	return severityNames[n]
}

// severityNumber reads a severity number written as an integer or as a
// decimal string; anything outside 1..24 is not a severity.
func severityNumber(raw any) (plog.SeverityNumber, bool) {
	var n int64
	switch v := raw.(type) {
	case int64:
		n = v
	case string:
		parsed, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
		if err != nil {
			return 0, false
		}
		n = parsed
	default:
		return 0, false
	}
	if n < 1 || n >= int64(len(severityNames)) {
		return 0, false
	}
	return plog.SeverityNumber(n), true
}

// allowedSeverities lists the canonical words, for error messages.
func allowedSeverities() string {
	return strings.Join(severityNames[1:], ", ") + " (and warning, err)"
}
