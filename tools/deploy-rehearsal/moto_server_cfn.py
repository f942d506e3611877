"""moto_server with the CloudFormation support the stack needs and moto (5.x) lacks or gets wrong.

Started by `npm run deploy:rehearsal` (tools/deploy-rehearsal.ts) with the Python that runs moto_server:
    python3 moto_server_cfn.py -H 127.0.0.1 -p <port>

AWS::SecretsManager::Secret: without a model, moto skips the stack's signing secret: `Ref` to it resolves
to nothing, the receiver's IAM policy then has a statement without `Resource`, and moto's IAM refuses the
whole stack ("MalformedPolicyDocument: Policy statement must contain resources"). This model creates the
secret in moto's own Secrets Manager (so PutSecretValue and the deployed receiver's GetSecretValue reach it), as
CloudFormation does: `Ref` is the ARN, `GenerateSecretString` gives a random value.

AWS::CloudWatch::Alarm: the stack's outputs name the dead-letter alarm (`Ref`) and the dashboard reads the
alarms' ARNs, so without a model the change set fails ("Fn::GetAtt references undefined resource"). This
model puts the alarm into moto's CloudWatch (PutMetricAlarm), so DescribeAlarms shows it.

AWS::ApiGatewayV2::Api: the receiver's API; the `WebhookUrl` output and the API alarms' dimensions need its
`ApiEndpoint` and `Ref` (moto has the HTTP API service but no CloudFormation model for it). Created in moto's
API Gateway v2 (CreateApi).

AWS::SES::ConfigurationSet: the consumer names it on every send (SES_CONFIGURATION_SET_NAME is its `Ref`) and
moto's SES refuses a send naming a set that does not exist. Created in moto's SES (CreateConfigurationSet).

AWS::Events::EventBus (EventBridge ingress): moto models it, but gives no value to its `Ref` and cuts a partner
bus's name (aws.partner/stripe.com/ed_...) to its last segment; both fixed below.

AWS::SNS::Subscription: the alarm e-mail's and the SES events function's subscriptions (moto models only
subscriptions written inside a topic). Created in moto's SNS (Subscribe); moto sends no confirmation mail.

AWS::Scheduler::ScheduleGroup (businessAlerts): the dispute reminders' group. moto's Scheduler has the API but no
CloudFormation model; the scheduler role's trust policy needs the group's `Arn`, and the consumer creates its
schedules in the group. Created in moto's Scheduler (CreateScheduleGroup); deleting it deletes its schedules.

AWS::Lambda::Function: TracingConfig and Architectures are kept (moto's model drops them); see below.

AWS::SQS::Queue: its URL (`Ref`) is made moto's own, as its SQS API gives it; see below.

Custom resources: see _create_custom_resource below (moto would call their Lambda in Docker).

Every other type moto does not model stays unmodelled (its `Ref` resolves to nothing); the rehearsal lists
those by type.

Stack outputs of a change set: moto's ExecuteChangeSet creates the resources but keeps the empty template of
the REVIEW_IN_PROGRESS stack, so DescribeStacks has no Outputs (and `cdk deploy --outputs-file` writes `{}`).
`ChangeSet.apply` below also gives the stack the change set's template and builds its outputs, as
CloudFormation does.
"""

import json
import os
import secrets
import sys
import time
import uuid
from typing import Any

from moto.apigatewayv2.models import apigatewayv2_backends
from moto.awslambda.models import LambdaFunction
from moto.cloudformation.custom_model import CustomModel
from moto.cloudformation.models import ChangeSet
from moto.cloudformation.responses import CloudFormationResponse
from moto.cloudwatch.models import Dimension, Metric, MetricDataQuery, MetricStat, cloudwatch_backends
from moto.core.common_models import CloudFormationModel
from moto.events.models import EventBus, EventsBackend
from moto.secretsmanager.models import secretsmanager_backends
from moto.scheduler.models import scheduler_backends
from moto.ses.models import ses_backends
from moto.sns.models import sns_backends
from moto.sqs.models import Queue


class _RehearsalModel:
    """What the models below share: a physical id (`Ref`), a fixed set of `Fn::GetAtt` attributes, creation on
    one of moto's own backends from the template's properties (`make`), and deletion there (`delete`).

    Mixed in before CloudFormationModel rather than subclassing it: moto finds its models with
    `CloudFormationModel.__subclasses__()`, which lists direct subclasses only. Each model also sets
    `__module__` to `moto.<service>.rehearsal`: moto's model metaclass takes the service from that path.
    """

    cfn_type = ""
    # The property naming the resource ("" when none): moto then passes its value as `resource_name`.
    name_type = ""
    attribute_names: tuple[str, ...] = ()

    def __init__(self, physical_id: str, **attributes: Any) -> None:
        self.physical_id = physical_id
        self.attributes = attributes

    @property
    def physical_resource_id(self) -> str:
        return self.physical_id

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return cls.name_type

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.cfn_type

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.attribute_names

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name in self.attribute_names:
            return self.attributes[attribute_name]
        raise NotImplementedError(attribute_name)

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        return cls.make(resource_name, cloudformation_json.get("Properties", {}), account_id, region_name)

    @classmethod
    def make(cls, name: str, props: dict[str, Any], account_id: str, region_name: str) -> Any:
        raise NotImplementedError(cls.cfn_type)


class RehearsalSecret(_RehearsalModel, CloudFormationModel):
    __module__ = "moto.secretsmanager.rehearsal"
    cfn_type = "AWS::SecretsManager::Secret"
    name_type = "Name"
    attribute_names = ("Id",)

    @classmethod
    def make(cls, name: str, props: dict[str, Any], account_id: str, region_name: str) -> "RehearsalSecret":
        value = props.get("SecretString")
        if value is None:
            value = secrets.token_urlsafe(24)
        backend = secretsmanager_backends[account_id][region_name]
        backend.create_secret(
            name=name,
            secret_string=value,
            secret_binary=None,
            description=props.get("Description"),
            tags=props.get("Tags"),
            kms_key_id=props.get("KmsKeyId"),
            client_request_token=None,
            replica_regions=[],
            force_overwrite=False,
        )
        arn = backend.secrets[name].arn
        return cls(arn, Id=arn)

    def delete(self, account_id: str, region_name: str) -> None:
        secretsmanager_backends[account_id][region_name].delete_secret(self.physical_id, None, True)


def _dimensions(raw: Any) -> list[dict[str, str]]:
    # A dimension whose value is the Ref of a type moto does not model arrives without "Value".
    return [{"Name": d["Name"], "Value": d.get("Value", "")} for d in raw or []]


def _queries(raw: Any) -> Any:
    if not raw:
        return None
    queries = []
    for query in raw:
        stat = query.get("MetricStat")
        metric_stat = None
        if stat:
            metric = stat["Metric"]
            metric_stat = MetricStat(
                Metric(
                    metric.get("MetricName"),
                    metric.get("Namespace"),
                    [Dimension(d["Name"], d["Value"]) for d in metric.get("Dimensions", [])],
                ),
                stat.get("Period"),
                stat.get("Stat"),
                stat.get("Unit"),
            )
        queries.append(
            MetricDataQuery(
                query["Id"],
                query.get("Label"),
                query.get("Period"),
                query.get("ReturnData", True),
                query.get("Expression"),
                metric_stat,
            )
        )
    return queries


class RehearsalAlarm(_RehearsalModel, CloudFormationModel):
    __module__ = "moto.cloudwatch.rehearsal"
    cfn_type = "AWS::CloudWatch::Alarm"
    name_type = "AlarmName"
    attribute_names = ("Arn",)

    @classmethod
    def make(cls, name: str, props: dict[str, Any], account_id: str, region_name: str) -> "RehearsalAlarm":
        alarm = cloudwatch_backends[account_id][region_name].put_metric_alarm(
            name=name,
            namespace=props.get("Namespace"),
            metric_name=props.get("MetricName"),
            comparison_operator=props.get("ComparisonOperator"),
            evaluation_periods=int(props.get("EvaluationPeriods", 1)),
            period=props.get("Period"),
            threshold=float(props.get("Threshold", 0)),
            statistic=props.get("Statistic"),
            description=props.get("AlarmDescription"),
            dimensions=_dimensions(props.get("Dimensions")),
            alarm_actions=props.get("AlarmActions", []),
            metric_data_queries=_queries(props.get("Metrics")),
            datapoints_to_alarm=props.get("DatapointsToAlarm"),
            ok_actions=props.get("OKActions"),
            insufficient_data_actions=props.get("InsufficientDataActions"),
            treat_missing_data=props.get("TreatMissingData"),
        )
        return cls(name, Arn=alarm.alarm_arn)

    def delete(self, account_id: str, region_name: str) -> None:
        cloudwatch_backends[account_id][region_name].delete_alarms([self.physical_id])


class RehearsalHttpApi(_RehearsalModel, CloudFormationModel):
    __module__ = "moto.apigatewayv2.rehearsal"
    cfn_type = "AWS::ApiGatewayV2::Api"
    attribute_names = ("ApiEndpoint", "ApiId")

    @classmethod
    def make(cls, name: str, props: dict[str, Any], account_id: str, region_name: str) -> "RehearsalHttpApi":
        api = apigatewayv2_backends[account_id][region_name].create_api(
            api_key_selection_expression=props.get("ApiKeySelectionExpression"),
            cors_configuration=props.get("CorsConfiguration"),
            description=props.get("Description"),
            disable_schema_validation=props.get("DisableSchemaValidation"),
            disable_execute_api_endpoint=props.get("DisableExecuteApiEndpoint"),
            name=props.get("Name", name),
            protocol_type=props.get("ProtocolType", "HTTP"),
            route_selection_expression=props.get("RouteSelectionExpression"),
            tags=props.get("Tags", {}),
            version=props.get("Version"),
        )
        return cls(api.api_id, ApiEndpoint=api.api_endpoint, ApiId=api.api_id)

    def delete(self, account_id: str, region_name: str) -> None:
        apigatewayv2_backends[account_id][region_name].delete_api(self.physical_id)


class RehearsalConfigurationSet(_RehearsalModel, CloudFormationModel):
    __module__ = "moto.ses.rehearsal"
    cfn_type = "AWS::SES::ConfigurationSet"
    name_type = "Name"

    @classmethod
    def make(cls, name: str, props: dict[str, Any], account_id: str, region_name: str) -> "RehearsalConfigurationSet":
        ses_backends[account_id][region_name].create_configuration_set(name)
        return cls(name)

    def delete(self, account_id: str, region_name: str) -> None:
        ses_backends[account_id][region_name].delete_configuration_set(self.physical_id)


class RehearsalSubscription(_RehearsalModel, CloudFormationModel):
    __module__ = "moto.sns.rehearsal"
    cfn_type = "AWS::SNS::Subscription"

    @classmethod
    def make(cls, name: str, props: dict[str, Any], account_id: str, region_name: str) -> "RehearsalSubscription":
        subscription = sns_backends[account_id][region_name].subscribe(
            props["TopicArn"], props["Endpoint"], props["Protocol"]
        )
        return cls(subscription.arn)

    def delete(self, account_id: str, region_name: str) -> None:
        sns_backends[account_id][region_name].unsubscribe(self.physical_id)


class RehearsalScheduleGroup(_RehearsalModel, CloudFormationModel):
    # A moto gap: its Scheduler has the API (CreateScheduleGroup, CreateSchedule...) but no CloudFormation model,
    # so without this the scheduler role's `Fn::GetAtt` of the group's Arn fails the change set, and the
    # consumer's CreateSchedule in a group that does not exist answers 500 (moto's KeyError).
    __module__ = "moto.scheduler.rehearsal"
    cfn_type = "AWS::Scheduler::ScheduleGroup"
    name_type = "Name"
    attribute_names = ("Arn",)

    @classmethod
    def make(cls, name: str, props: dict[str, Any], account_id: str, region_name: str) -> "RehearsalScheduleGroup":
        tags = props.get("Tags") or []
        group = scheduler_backends[account_id][region_name].create_schedule_group(name, tags)
        return cls(name, Arn=group.arn)

    def delete(self, account_id: str, region_name: str) -> None:
        # As in AWS, deleting the group deletes its schedules (moto keeps them in the group).
        scheduler_backends[account_id][region_name].delete_schedule_group(self.physical_id)


# Custom resources (Custom::...): moto calls the ServiceToken's Lambda in Docker, in a thread, and does not
# wait for the answer when the stack comes from a change set (it is CREATE_COMPLETE at once). Without
# Docker nothing would run. Here each request CloudFormation would send (Create, and Delete when the stack
# is deleted) is written as JSON to the folder DEPLOY_REHEARSAL_CUSTOM_RESOURCES names; the rehearsal runs
# the deployed function for it and posts the answer to moto's response URL (processed below).
_SPOOL = os.environ.get("DEPLOY_REHEARSAL_CUSTOM_RESOURCES", "")


def _spool(event: dict[str, Any]) -> None:
    if not _SPOOL:
        return
    name = f"{time.time_ns()}-{event['RequestId']}.json"
    with open(os.path.join(_SPOOL, name + ".tmp"), "w") as file:
        json.dump(event, file)
    os.replace(os.path.join(_SPOOL, name + ".tmp"), os.path.join(_SPOOL, name))


def _create_custom_resource(
    cls: Any,
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> CustomModel:
    from moto.cloudformation import cloudformation_backends

    properties = cloudformation_json["Properties"]
    request_id = str(uuid.uuid4())
    resource = CustomModel(region_name, request_id, kwargs["LogicalId"], resource_name)
    resource.rehearsal_request = {  # type: ignore[attr-defined]
        "ServiceToken": properties["ServiceToken"],
        "StackId": kwargs["StackId"],
        "LogicalResourceId": kwargs["LogicalId"],
        "ResourceType": kwargs["ResourceType"],
        "ResourceProperties": properties,
    }
    cloudformation_backends[account_id][region_name].get_stack(kwargs["StackId"]).add_custom_resource(resource)
    _spool({"RequestType": "Create", "RequestId": request_id, **resource.rehearsal_request})  # type: ignore[attr-defined]
    return resource


def _delete_custom_resource(self: CustomModel, account_id: str, region_name: str) -> None:
    request = getattr(self, "rehearsal_request", None)
    if request is not None:
        _spool(
            {
                "RequestType": "Delete",
                "RequestId": str(uuid.uuid4()),
                "PhysicalResourceId": self.resource_name,
                **request,
            }
        )


CustomModel.create_from_cloudformation_json = classmethod(_create_custom_resource)  # type: ignore[method-assign,assignment]
CustomModel.delete = _delete_custom_resource  # type: ignore[attr-defined]

_process_cfn_response = CloudFormationResponse.process_cfn_response


def _process_cfn_response_with_physical_id(self: CloudFormationResponse) -> Any:
    # moto keeps only Data; CloudFormation also takes the PhysicalResourceId (the custom resource's Ref).
    answer = _process_cfn_response(self)
    physical = self._get_param("PhysicalResourceId")
    if self._get_param("Status") == "SUCCESS" and physical:
        stack = self.cloudformation_backend.get_stack(self._get_param("StackId"))
        stack.get_custom_resource(self._get_param("LogicalResourceId")).resource_name = physical
    return answer


CloudFormationResponse.process_cfn_response = _process_cfn_response_with_physical_id  # type: ignore[method-assign]

# AWS::Events::EventBus: moto's model has no physical_resource_id, so `Ref` to the bus (the rule's EventBusName)
# resolves to the Python object and moto's PutRule fails ("'EventBus' object has no attribute 'split'").
# CloudFormation's Ref of an event bus is its name.
EventBus.physical_resource_id = property(lambda self: self.name)  # type: ignore[attr-defined]


def _event_bus_name(self: EventsBackend, name_or_arn: str | None) -> str:
    # moto keeps the part after the last "/" of a bus name or ARN, which cuts a partner bus's name
    # (aws.partner/stripe.com/ed_...) to its last segment. A name stays whole; an ARN loses its prefix.
    if name_or_arn is None:
        return "default"
    return name_or_arn.split(":event-bus/", 1)[1] if name_or_arn.startswith("arn:") else name_or_arn


EventsBackend._normalize_event_bus_arn = _event_bus_name  # type: ignore[method-assign]


def _server_origin(argv: list[str]) -> str:
    host, port = "127.0.0.1", "5000"
    for flag, value in zip(argv, argv[1:]):
        if flag in ("-H", "--host"):
            host = value
        elif flag in ("-p", "--port"):
            port = value
    return f"http://{host}:{port}"


# AWS::SQS::Queue: moto's CloudFormation gives a queue the URL https://sqs.<region>.amazonaws.com/..., while its
# SQS API answers with its own origin. The AWS SDK sends to the host of the QueueUrl it is given (it logs
# "QueueUrl=... differs from SQSClient resolved endpoint"), so a deployed function that sends to a queue whose
# URL the stack gave it (the consumer's billing sync requests) would call AWS. In AWS both are the same URL;
# here the CloudFormation one is made the one moto's SQS API gives.
_ORIGIN = _server_origin(sys.argv[1:])
Queue.physical_resource_id = property(lambda self: f"{_ORIGIN}/{self.account_id}/{self.name}")  # type: ignore[assignment]


# AWS::Lambda::Function: moto's model takes a fixed list of properties and drops TracingConfig and
# Architectures, so GetFunctionConfiguration would say PassThrough and x86_64 whatever the template says.
# Kept here as the template gives them (moto has no X-Ray and runs no code, so nothing else changes).
_create_function = LambdaFunction.create_from_cloudformation_json


def _create_function_with_tracing(
    cls: Any, resource_name: str, cloudformation_json: dict[str, Any], *args: Any, **kwargs: Any
) -> Any:
    fn = _create_function.__func__(cls, resource_name, cloudformation_json, *args, **kwargs)  # type: ignore[attr-defined]
    properties = cloudformation_json.get("Properties", {})
    if "TracingConfig" in properties:
        fn.tracing_config = properties["TracingConfig"]
    if "Architectures" in properties:
        fn.architectures = properties["Architectures"]
    return fn


LambdaFunction.create_from_cloudformation_json = classmethod(_create_function_with_tracing)  # type: ignore[method-assign,assignment]

_apply_change_set = ChangeSet.apply


def _apply_change_set_with_outputs(self: ChangeSet) -> None:
    _apply_change_set(self)
    self.stack.template = self.template
    self.stack.template_dict = self.template_dict
    self.stack.output_map = self.stack._create_output_map()


ChangeSet.apply = _apply_change_set_with_outputs  # type: ignore[method-assign]


if __name__ == "__main__":
    from moto.server import main

    main(sys.argv[1:])
