import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { GSI_DEFINITIONS, TABLE_KEY, TTL_ATTRIBUTE } from '../../functions/adapters/table-schema';

export interface TasksTableProps {
  removalPolicy: 'retain' | 'destroy';
}

/** The one DynamoDB table of tasks and API keys, laid out by functions/adapters/table-schema.ts. */
export class TasksTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: TasksTableProps) {
    super(scope, id);
    const retain = props.removalPolicy === 'retain';

    this.table = new Table(this, 'Table', {
      partitionKey: { name: TABLE_KEY, type: AttributeType.STRING },
      // Traffic follows task submissions, which are bursty and unknown in advance.
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TTL_ATTRIBUTE,
      // The aws/dynamodb key: key use shows in CloudTrail, with no key of our own to manage.
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      // A retained table should not be deletable by a stray console click either.
      deletionProtection: retain,
    });

    for (const index of GSI_DEFINITIONS) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        projectionType: ProjectionType[index.projection],
        nonKeyAttributes: index.nonKeyAttributes,
      });
    }
  }

  /** ARNs of the table's indexes, named one by one so that grants need no `index/*` wildcard. */
  get indexArns(): string[] {
    return GSI_DEFINITIONS.map((index) => `${this.table.tableArn}/index/${index.indexName}`);
  }
}
