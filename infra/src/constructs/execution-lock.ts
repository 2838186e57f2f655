import { ArnFormat, Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import * as tasks from "aws-cdk-lib/aws-stepfunctions-tasks";
import { Construct } from "constructs";
import { acknowledge } from "../nag.js";

export interface ExecutionLockProps {
  /** The lock item's key: one lock per pipeline. */
  lockName: string;
  /** The state machine's name: DescribeExecution is allowed on its executions only. */
  stateMachineName: string;
}

/** The execution holding the lock, as GetItem returns it. */
const HOLDER = "$.lock.Item.execution.S";
const CONDITIONAL_FAILED = "DynamoDB.ConditionalCheckFailedException";
/** Statuses of a holder that may still run the pipeline: the lock is not stale. */
const ALIVE = ["RUNNING", "PENDING_REDRIVE"];

/**
 * An overlap guard for a state machine, without Lambda: a DynamoDB item holds the id of the
 * execution that runs the pipeline. "Acquire lock" puts it if absent; when present, the holder
 * is looked up (GetItem, then the SDK integration sfn:describeExecution): a holder that is still
 * running fails this execution with `AlreadyRunning` (nothing ran); a holder that ended without
 * releasing (aborted, timed out, or gone from the history) is taken over with a PutItem
 * conditioned on that holder's id. `release()` deletes the item, conditioned on this execution's id.
 */
export class ExecutionLock extends Construct {
  readonly table: dynamodb.Table;
  private readonly props: ExecutionLockProps;

  constructor(scope: Construct, id: string, props: ExecutionLockProps) {
    super(scope, id);
    this.props = props;
    this.table = new dynamodb.Table(this, "Table", {
      partitionKey: { name: "pk", type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      // one small item at most, only while an execution runs: nothing to keep
      removalPolicy: RemovalPolicy.DESTROY,
    });
    acknowledge(this.table, [
      {
        id: "AwsSolutions-DDB3",
        reason:
          "The table holds one lock item, only while an execution runs; a lost item is recreated by the next run, so point-in-time recovery would restore nothing of value.",
      },
    ]);
  }

  /** The guard in front of `run`: returns the first state ("Acquire lock"). */
  acquire(run: sfn.IChainable): sfn.IChainable {
    const acquire = this.put("Acquire lock", "attribute_not_exists(pk)", {});
    const getHolder = new tasks.DynamoGetItem(this, "Get lock holder", {
      table: this.table,
      key: this.key(),
      consistentRead: true,
      resultPath: "$.lock",
    });
    const describe = new tasks.CallAwsService(this, "Describe lock holder", {
      service: "sfn",
      action: "describeExecution",
      iamAction: "states:DescribeExecution",
      iamResources: [this.executionsArn()],
      parameters: { ExecutionArn: sfn.JsonPath.stringAt(HOLDER) },
      resultSelector: { "status.$": "$.Status" },
      resultPath: "$.holder",
    });
    const takeOver = this.put("Take over lock", "#execution = :stale", {
      ":stale": tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt(HOLDER)),
    });
    const alreadyRunning = new sfn.Fail(this, "Already running", {
      error: "AlreadyRunning",
      cause: "Another execution of this pipeline holds the lock and is still running: this run is skipped.",
    });

    acquire.addCatch(getHolder, { errors: [CONDITIONAL_FAILED], resultPath: "$.lockError" }).next(run);
    // the holder released between the two calls: try again
    getHolder.next(
      new sfn.Choice(this, "Lock still held?")
        .when(sfn.Condition.isNotPresent("$.lock.Item"), acquire)
        .otherwise(describe),
    );
    // gone from the execution history (90 days) or not an execution: stale
    describe.addCatch(takeOver, {
      errors: ["Sfn.ExecutionDoesNotExistException", "Sfn.InvalidArnException"],
      resultPath: "$.holderError",
    });
    describe.next(
      new sfn.Choice(this, "Lock holder running?")
        .when(
          sfn.Condition.or(...ALIVE.map((s) => sfn.Condition.stringEquals("$.holder.status", s))),
          alreadyRunning,
        )
        .otherwise(takeOver),
    );
    // another execution took it over first: look again
    takeOver.addCatch(getHolder, { errors: [CONDITIONAL_FAILED], resultPath: "$.lockError" }).next(run);
    return acquire;
  }

  /** Deletes the lock if this execution holds it (a DeleteItem conditioned on its id). */
  release(id: string): tasks.DynamoDeleteItem {
    return retryTransient(
      new tasks.DynamoDeleteItem(this, id, {
        table: this.table,
        key: this.key(),
        conditionExpression: "#execution = :me",
        expressionAttributeNames: { "#execution": "execution" },
        expressionAttributeValues: {
          ":me": tasks.DynamoAttributeValue.fromString(sfn.JsonPath.executionId),
        },
        resultPath: sfn.JsonPath.DISCARD,
      }),
    );
  }

  private put(id: string, condition: string, values: Record<string, tasks.DynamoAttributeValue>) {
    const names = condition.includes("#execution") ? { "#execution": "execution" } : undefined;
    return retryTransient(
      new tasks.DynamoPutItem(this, id, {
        table: this.table,
        item: {
          ...this.key(),
          execution: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.executionId),
          startedAt: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt("$$.Execution.StartTime")),
        },
        conditionExpression: condition,
        ...(names ? { expressionAttributeNames: names } : {}),
        ...(Object.keys(values).length > 0 ? { expressionAttributeValues: values } : {}),
        resultPath: sfn.JsonPath.DISCARD,
      }),
    );
  }

  private key() {
    return { pk: tasks.DynamoAttributeValue.fromString(this.props.lockName) };
  }

  /** `arn:…:states:<region>:<account>:execution:<state machine name>:*` (its own ARN would be circular). */
  private executionsArn(): string {
    return Stack.of(this).formatArn({
      service: "states",
      resource: "execution",
      resourceName: `${this.props.stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }
}

/** DynamoDB's transient errors: retried a few times, quickly. */
function retryTransient<T extends sfn.TaskStateBase>(task: T): T {
  task.addRetry({
    errors: [
      "DynamoDB.InternalServerErrorException",
      "DynamoDB.ProvisionedThroughputExceededException",
      "DynamoDB.RequestLimitExceeded",
      "DynamoDB.ThrottlingException",
    ],
    interval: Duration.seconds(1),
    maxAttempts: 3,
    backoffRate: 2,
  });
  return task;
}
