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
from moto.ses.models import ses_backends
from moto.sns.models import sns_backends
from moto.sqs.models import Queue


class RehearsalSecret(CloudFormationModel):
    # moto's model metaclass takes the service name from the module path (moto.<service>.…).
    __module__ = "moto.secretsmanager.rehearsal"

    def __init__(self, arn: str, name: str) -> None:
        self.arn = arn
        self.name = name

    @property
    def physical_resource_id(self) -> str:
        return self.arn

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SecretsManager::Secret"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("Id",)

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name == "Id":
            return self.arn
        raise NotImplementedError(attribute_name)

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> "RehearsalSecret":
        props = cloudformation_json.get("Properties", {})
        name = props.get("Name", resource_name)
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
        return cls(backend.secrets[name].arn, name)

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        backend = secretsmanager_backends[account_id][region_name]
        backend.delete_secret(resource_name, None, True)

    def delete(self, account_id: str, region_name: str) -> None:
        secretsmanager_backends[account_id][region_name].delete_secret(self.arn, None, True)


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


class RehearsalAlarm(CloudFormationModel):
    __module__ = "moto.cloudwatch.rehearsal"

    def __init__(self, name: str, arn: str) -> None:
        self.name = name
        self.arn = arn

    @property
    def physical_resource_id(self) -> str:
        return self.name

    @staticmethod
    def cloudformation_name_type() -> str:
        return "AlarmName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudWatch::Alarm"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("Arn",)

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name == "Arn":
            return self.arn
        raise NotImplementedError(attribute_name)

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> "RehearsalAlarm":
        props = cloudformation_json.get("Properties", {})
        name = props.get("AlarmName", resource_name)
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
        return cls(name, alarm.alarm_arn)

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        cloudwatch_backends[account_id][region_name].delete_alarms([resource_name])

    def delete(self, account_id: str, region_name: str) -> None:
        cloudwatch_backends[account_id][region_name].delete_alarms([self.name])


class RehearsalHttpApi(CloudFormationModel):
    __module__ = "moto.apigatewayv2.rehearsal"

    def __init__(self, api_id: str, endpoint: str) -> None:
        self.api_id = api_id
        self.endpoint = endpoint

    @property
    def physical_resource_id(self) -> str:
        return self.api_id

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGatewayV2::Api"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("ApiEndpoint", "ApiId")

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name == "ApiEndpoint":
            return self.endpoint
        if attribute_name == "ApiId":
            return self.api_id
        raise NotImplementedError(attribute_name)

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> "RehearsalHttpApi":
        props = cloudformation_json.get("Properties", {})
        api = apigatewayv2_backends[account_id][region_name].create_api(
            api_key_selection_expression=props.get("ApiKeySelectionExpression"),
            cors_configuration=props.get("CorsConfiguration"),
            description=props.get("Description"),
            disable_schema_validation=props.get("DisableSchemaValidation"),
            disable_execute_api_endpoint=props.get("DisableExecuteApiEndpoint"),
            name=props.get("Name", resource_name),
            protocol_type=props.get("ProtocolType", "HTTP"),
            route_selection_expression=props.get("RouteSelectionExpression"),
            tags=props.get("Tags", {}),
            version=props.get("Version"),
        )
        return cls(api.api_id, api.api_endpoint)

    def delete(self, account_id: str, region_name: str) -> None:
        apigatewayv2_backends[account_id][region_name].delete_api(self.api_id)


class RehearsalConfigurationSet(CloudFormationModel):
    __module__ = "moto.ses.rehearsal"

    def __init__(self, name: str) -> None:
        self.name = name

    @property
    def physical_resource_id(self) -> str:
        return self.name

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SES::ConfigurationSet"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return False

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> "RehearsalConfigurationSet":
        name = cloudformation_json.get("Properties", {}).get("Name", resource_name)
        ses_backends[account_id][region_name].create_configuration_set(name)
        return cls(name)

    def delete(self, account_id: str, region_name: str) -> None:
        ses_backends[account_id][region_name].delete_configuration_set(self.name)


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

class RehearsalSubscription(CloudFormationModel):
    __module__ = "moto.sns.rehearsal"

    def __init__(self, arn: str) -> None:
        self.arn = arn

    @property
    def physical_resource_id(self) -> str:
        return self.arn

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SNS::Subscription"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return False

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> "RehearsalSubscription":
        props = cloudformation_json.get("Properties", {})
        subscription = sns_backends[account_id][region_name].subscribe(
            props["TopicArn"], props["Endpoint"], props["Protocol"]
        )
        return cls(subscription.arn)

    def delete(self, account_id: str, region_name: str) -> None:
        sns_backends[account_id][region_name].unsubscribe(self.arn)


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
