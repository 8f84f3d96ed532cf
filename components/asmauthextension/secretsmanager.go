// Copyright The ocelot Authors
// SPDX-License-Identifier: Apache-2.0

package asmauthextension // import "github.com/ocelot-otel/ocelot/components/asmauthextension"

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// secretReader returns the current string value of the configured secret.
type secretReader func(ctx context.Context) (string, error)

// newSecretsManagerReader builds the AWS client once, at start. Credentials,
// region and endpoints come from the SDK's default chain, so the standard
// AWS_ENDPOINT_URL_SECRETS_MANAGER / AWS_ENDPOINT_URL_STS variables work
// (that is how the tests point it at a local fake).
func newSecretsManagerReader(ctx context.Context, cfg *Config) (secretReader, error) {
	var opts []func(*awsconfig.LoadOptions) error
	if cfg.Region != "" {
		opts = append(opts, awsconfig.WithRegion(cfg.Region))
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("loading AWS configuration: %w", err)
	}
	if cfg.AssumeRole.ARN != "" {
		stsClient := sts.NewFromConfig(awsCfg, func(o *sts.Options) {
			if cfg.AssumeRole.STSRegion != "" {
				o.Region = cfg.AssumeRole.STSRegion
			}
		})
		provider := stscreds.NewAssumeRoleProvider(stsClient, cfg.AssumeRole.ARN)
		awsCfg.Credentials = aws.NewCredentialsCache(provider)
	}
	client := secretsmanager.NewFromConfig(awsCfg)
	name := cfg.SecretName
	return func(ctx context.Context) (string, error) {
		out, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(name)})
		if err != nil {
			return "", fmt.Errorf("reading secret %q: %w", name, err)
		}
		if out.SecretString == nil {
			return "", fmt.Errorf("secret %q has no string value (binary secrets are not supported)", name)
		}
		return *out.SecretString, nil
	}, nil
}
