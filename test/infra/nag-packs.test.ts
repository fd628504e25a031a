import { App, type PolicyValidationPluginReport } from 'aws-cdk-lib';
import type { NagPack } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { nagPacks } from '../../infra/nag-packs';
import { type SynthesizedStack, synthTasklane } from './helpers/synth';

/** Findings as "severity rule at path" lines, so a failure prints what to fix. */
function findings(report: PolicyValidationPluginReport): string[] {
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.severity} ${v.ruleName} at ${r.constructPath}`),
  );
}

describe('nagPacks', () => {
  // Both alarm destinations: a new topic with an e-mail subscription, and an existing topic.
  const variants = [
    ['a new alarm topic with an e-mail subscription', { alarmEmail: 'ops@example.com' }],
    [
      'an existing alarm topic, without the API Gateway account setting',
      { alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops', manageApiGatewayAccount: false },
    ],
  ] as const;
  const stacks = new Map<string, SynthesizedStack>();

  beforeAll(() => {
    for (const [name, input] of variants) stacks.set(name, synthTasklane(input));
  });

  it('checks the AwsSolutions and Serverless packs', () => {
    expect(nagPacks(new App()).map((pack) => pack.name)).toEqual(['AwsSolutions', 'Serverless']);
  });

  describe.each(variants.map(([name]) => [name]))('with %s', (name) => {
    it.each(['AwsSolutions', 'Serverless'])('leaves no unacknowledged %s finding, error or warning', (packName) => {
      // Prepare
      const { app, stack } = stacks.get(name)!;
      const pack = nagPacks(app).find((p) => p.name === packName) as NagPack;

      // Act: the same check `cdk synth` runs as a validation plugin
      const report = pack.validateScope(stack);

      // Assess
      expect(findings(report)).toEqual([]);
    });
  });
});
