// Copyright The ocelot Authors
// SPDX-License-Identifier: Apache-2.0

package asmauthextension

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// fakeAWS is an in-process stand-in for the two AWS APIs the extension calls:
// Secrets Manager GetSecretValue (JSON 1.1 protocol) and STS AssumeRole
// (query protocol). It records the Authorization header of every call so
// tests can check which credentials and region signed it.
type fakeAWS struct {
	mu       sync.Mutex
	secrets  map[string]string
	smAuth   []string
	stsAuth  []string
	stsRoles []string
}

func newFakeAWS(t *testing.T, secrets map[string]string) (*fakeAWS, *httptest.Server) {
	t.Helper()
	f := &fakeAWS{secrets: secrets}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeAWS) setSecret(name, value string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.secrets[name] = value
}

func (f *fakeAWS) deleteSecret(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.secrets, name)
}

func (f *fakeAWS) secretCalls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.smAuth...)
}

func (f *fakeAWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		f.getSecretValue(w, r, target, body)
		return
	}
	form, _ := url.ParseQuery(string(body))
	if form.Get("Action") != "AssumeRole" {
		http.Error(w, "unsupported call", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.stsAuth = append(f.stsAuth, r.Header.Get("Authorization"))
	f.stsRoles = append(f.stsRoles, form.Get("RoleArn"))
	f.mu.Unlock()
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
<Credentials><AccessKeyId>ASIAFAKEASSUMED</AccessKeyId><SecretAccessKey>assumed-secret</SecretAccessKey>
<SessionToken>assumed-token</SessionToken><Expiration>%s</Expiration></Credentials>
<AssumedRoleUser><Arn>%s/s</Arn><AssumedRoleId>AROAFAKE:s</AssumedRoleId></AssumedRoleUser>
</AssumeRoleResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></AssumeRoleResponse>`,
		time.Now().Add(time.Hour).UTC().Format(time.RFC3339), form.Get("RoleArn"))
}

func (f *fakeAWS) getSecretValue(w http.ResponseWriter, r *http.Request, target string, body []byte) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	var in struct{ SecretId string }
	if target != "secretsmanager.GetSecretValue" || json.Unmarshal(body, &in) != nil {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"__type":"InvalidRequestException","message":"unsupported call"}`)
		return
	}
	f.mu.Lock()
	f.smAuth = append(f.smAuth, r.Header.Get("Authorization"))
	value, ok := f.secrets[in.SecretId]
	f.mu.Unlock()
	if !ok {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."}`)
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{
		"ARN": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:" + in.SecretId, "Name": in.SecretId,
		"SecretString": value, "VersionId": "v1", "VersionStages": []string{"AWSCURRENT"},
	})
}

// isolateAWS points the SDK's default chain at the fake only: static
// credentials, no shared config files, no instance metadata, and the
// standard per-service endpoint variables set to the fake's URL.
func isolateAWS(t *testing.T, endpoint string) {
	t.Helper()
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":                   "AKIAFAKECALLER",
		"AWS_SECRET_ACCESS_KEY":               "caller-secret",
		"AWS_SESSION_TOKEN":                   "",
		"AWS_REGION":                          "eu-west-1",
		"AWS_DEFAULT_REGION":                  "",
		"AWS_PROFILE":                         "",
		"AWS_CONFIG_FILE":                     filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE":         filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED":           "true",
		"AWS_ENDPOINT_URL":                    "",
		"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "",
		"AWS_ENDPOINT_URL_SECRETS_MANAGER":    endpoint,
		"AWS_ENDPOINT_URL_STS":                endpoint,
	} {
		t.Setenv(k, v)
	}
}
