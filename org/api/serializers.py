from django.contrib.auth import authenticate
from rest_framework import serializers

from org.models import CareerLevel, Membership, PeopleImport, Team, User


class TokenInputSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})

    def validate(self, attrs: dict) -> dict:
        user = authenticate(
            request=self.context.get("request"), username=attrs["email"], password=attrs["password"]
        )
        if user is None:
            raise serializers.ValidationError(
                "That email and password do not match an active account.", code="authorization"
            )
        attrs["user"] = user
        return attrs


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="The key, shown only now: send `Token <key>`.")
    id = serializers.CharField(help_text="The key's public prefix, to list or revoke it.")
    expiry = serializers.DateTimeField(allow_null=True)


class TokenListOutputSerializer(serializers.Serializer):
    id = serializers.CharField(source="token_key")
    created = serializers.DateTimeField()
    expiry = serializers.DateTimeField(allow_null=True)


class MembershipSerializer(serializers.ModelSerializer):
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Membership
        fields = ["team", "job_role", "career_level"]


class MeSerializer(serializers.ModelSerializer):
    memberships = MembershipSerializer(many=True, read_only=True)
    personas = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "personas", "memberships"]


class TeamSerializer(serializers.ModelSerializer):
    member_count = serializers.IntegerField(read_only=True)
    managers = serializers.SlugRelatedField(slug_field="email", many=True, read_only=True)

    class Meta:
        model = Team
        fields = ["id", "slug", "name", "description", "member_count", "managers"]


class PersonRowSerializer(serializers.Serializer):
    email = serializers.CharField()
    full_name = serializers.CharField(required=False, allow_blank=True)
    team = serializers.CharField()
    job_role = serializers.CharField()
    career_level = serializers.ChoiceField(choices=CareerLevel.choices, required=False)


class PeopleImportInputSerializer(serializers.Serializer):
    # Rows are validated one by one by the task so a bad row is kept with its error
    # rather than failing the whole upload.
    rows = serializers.ListField(
        child=serializers.DictField(), allow_empty=False, max_length=50_000
    )


class PeopleImportOutputSerializer(serializers.ModelSerializer):
    rejected_count = serializers.SerializerMethodField()

    class Meta:
        model = PeopleImport
        fields = [
            "id",
            "status",
            "created_at",
            "finished_at",
            "created_count",
            "updated_count",
            "rejected_count",
            "rejected",
        ]

    def get_rejected_count(self, obj: PeopleImport) -> int:
        return len(obj.rejected)
