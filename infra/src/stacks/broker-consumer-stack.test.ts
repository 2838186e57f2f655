import { Match } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { addBrokerConsumerStack } from "../app.js";
import { resourcesOf, synth } from "../test-support.js";

const { template, json } = synth(addBrokerConsumerStack);

describe("BrokerConsumerStack", () => {
  it("an ECS service with at least one consumer, next to a private ActiveMQ broker", () => {
    template.hasResourceProperties("AWS::ECS::Service", {
      DesiredCount: 1,
      LaunchType: "FARGATE",
      DeploymentConfiguration: Match.objectLike({ MinimumHealthyPercent: 100 }),
    });
    template.hasResourceProperties("AWS::AmazonMQ::Broker", {
      EngineType: "ACTIVEMQ",
      PubliclyAccessible: false,
    });
    template.hasResourceProperties("AWS::EC2::SecurityGroupIngress", { FromPort: 61614, ToPort: 61614 });
  });

  it("the broker password is a dynamic reference to Secrets Manager, never a literal", () => {
    const [, broker] = resourcesOf(json, "AWS::AmazonMQ::Broker")[0]!;
    const [user] = broker.Properties!.Users as Array<{ Password: unknown }>;
    expect(JSON.stringify(user!.Password)).toMatch(
      /\{\{resolve:secretsmanager:.*:SecretString:password::\}\}/,
    );
  });

  it("secrets (login, passcode, sink URL) come from Secrets Manager, not plain environment", () => {
    const [, def] = resourcesOf(json, "AWS::ECS::TaskDefinition")[0]!;
    const [app] = def.Properties!.ContainerDefinitions as Array<{
      Environment: Array<{ Name: string }>;
      Secrets: Array<{ Name: string }>;
    }>;
    expect(app!.Secrets.map((s) => s.Name)).toEqual(["STOMP_LOGIN", "STOMP_PASSCODE", "SINK_URL"]);
    const names = app!.Environment.map((e) => e.Name);
    expect(names).toEqual(
      expect.arrayContaining(["STOMP_URL", "STOMP_DESTINATION", "DEAD_LETTER_DESTINATION"]),
    );
    for (const secret of ["STOMP_PASSCODE", "SINK_URL", "MONGODB_URL"]) expect(names).not.toContain(secret);
  });

  it("scales 1..3 tasks on the queue's depth (Amazon MQ QueueSize)", () => {
    template.hasResourceProperties("AWS::ApplicationAutoScaling::ScalableTarget", {
      MinCapacity: 1,
      MaxCapacity: 3,
    });
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/AmazonMQ",
      MetricName: "QueueSize",
      Dimensions: Match.arrayWith([{ Name: "Queue", Value: "attendances" }]),
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      Threshold: 1000,
    });
  });

  it("alarms to SNS as soon as a message lands in the DLQ", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      AlarmName: "sluice-stomp-consumer-dead-letters",
      MetricName: "QueueSize",
      Dimensions: Match.arrayWith([{ Name: "Queue", Value: "attendances.DLQ" }]),
      Threshold: 0,
      ComparisonOperator: "GreaterThanThreshold",
      AlarmActions: [{ Ref: Match.stringLikeRegexp("^Alarms") }],
    });
  });
});
