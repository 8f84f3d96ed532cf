// Copyright The ocelot Authors
// SPDX-License-Identifier: Apache-2.0

package asmauthextension // import "github.com/ocelot-otel/ocelot/components/asmauthextension"

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// headersFromSecret turns a secret's JSON object into request headers.
//
//   - neither prefix nor key: every key of the object is a header;
//   - prefix: only keys starting with it (and longer than it), prefix removed;
//   - key: the value of that key, in OTEL_EXPORTER_OTLP_HEADERS format;
//   - both: the union, where headers from key win over prefixed ones.
//
// Errors never quote secret values, only key names, because they are logged.
func headersFromSecret(secret, prefix, key string) (map[string]string, error) {
	values, err := decodeSecret(secret)
	if err != nil {
		return nil, err
	}
	headers := map[string]string{}
	if key != "" {
		raw, ok := values[key]
		if !ok {
			return nil, fmt.Errorf("header_key %q is not a key of the secret", key)
		}
		if headers, err = parseHeaderList(raw); err != nil {
			return nil, fmt.Errorf("header_key %q: %w", key, err)
		}
	}
	for name, value := range values {
		switch {
		case prefix != "":
			if len(name) <= len(prefix) || !strings.HasPrefix(name, prefix) {
				continue
			}
			name = name[len(prefix):]
		case key != "":
			continue
		}
		if _, taken := headers[name]; !taken {
			headers[name] = value
		}
	}
	if len(headers) == 0 {
		return nil, errors.New("the secret yields no headers (check header_prefix and header_key)")
	}
	return headers, checkHeaderNames(headers)
}

// decodeSecret parses the secret as a JSON object of strings.
func decodeSecret(secret string) (map[string]string, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(secret), &raw); err != nil {
		return nil, errors.New("the secret is not a JSON object")
	}
	values := make(map[string]string, len(raw))
	for name, msg := range raw {
		var s string
		if err := json.Unmarshal(msg, &s); err != nil {
			return nil, fmt.Errorf("the value of secret key %q is not a string", name)
		}
		values[name] = s
	}
	return values, nil
}

// parseHeaderList parses "k1=v1,k2=v2" as OTEL_EXPORTER_OTLP_HEADERS does:
// blanks around names and values are trimmed, values are percent-decoded
// (kept as written if they are not valid percent-encoding), empty items skipped.
func parseHeaderList(s string) (map[string]string, error) {
	headers := map[string]string{}
	for _, item := range strings.Split(s, ",") {
		if strings.TrimSpace(item) == "" {
			continue
		}
		name, value, found := strings.Cut(item, "=")
		name = strings.TrimSpace(name)
		if !found || name == "" {
			return nil, errors.New(`headers must be written as "name1=value1,name2=value2"`)
		}
		value = strings.TrimSpace(value)
		if decoded, err := url.PathUnescape(value); err == nil {
			value = decoded
		}
		headers[name] = value
	}
	return headers, nil
}

// checkHeaderNames rejects names net/http would refuse, listing all of them.
func checkHeaderNames(headers map[string]string) error {
	var bad []string
	for name := range headers {
		if !validHeaderName(name) {
			bad = append(bad, fmt.Sprintf("%q", name))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	return fmt.Errorf("not valid HTTP header names: %s", strings.Join(bad, ", "))
}
