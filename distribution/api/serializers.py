from rest_framework import serializers

from ..models import EVENT_TYPES, Attempt, Delivery, Endpoint


class EndpointSerializer(serializers.ModelSerializer):
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPES), allow_empty=False, max_length=len(EVENT_TYPES)
    )
    url = serializers.URLField(max_length=500)

    class Meta:
        model = Endpoint
        fields = ["id", "url", "description", "events", "active", "failing_since", "disabled_reason", "created_at"]
        read_only_fields = ["failing_since", "disabled_reason", "created_at"]


class EndpointWithSecretSerializer(EndpointSerializer):
    """On creation and rotation only: the secret is shown once."""

    secret = serializers.CharField(read_only=True)

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attempt
        fields = ["number", "started_at", "response_code", "latency_ms", "error", "next_attempt_at"]


class DeliverySerializer(serializers.ModelSerializer):
    webhook_id = serializers.CharField(source="message_id")

    class Meta:
        model = Delivery
        fields = [
            "id",
            "webhook_id",
            "type",
            "status",
            "attempts",
            "last_response_code",
            "next_attempt_at",
            "created_at",
        ]


class DeliveryDetailSerializer(DeliverySerializer):
    attempt_log = AttemptSerializer(source="attempt_rows", many=True, read_only=True)
    payload = serializers.SerializerMethodField()

    class Meta(DeliverySerializer.Meta):
        fields = [*DeliverySerializer.Meta.fields, "payload", "attempt_log"]

    def get_payload(self, delivery) -> dict:
        import orjson

        return orjson.loads(bytes(delivery.payload))


class ReplaySinceSerializer(serializers.Serializer):
    since = serializers.DateTimeField()
