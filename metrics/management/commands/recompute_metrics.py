from django.core.management.base import BaseCommand

from metrics import services


class Command(BaseCommand):
    help = "Rebuild every incident rollup from the incidents and re-measure key results."

    def handle(self, *args, **options) -> None:
        result = services.rollups_recompute_all()
        refreshed = services.key_results_refresh()
        self.stdout.write(
            self.style.SUCCESS(
                f"Rolled up {result.incidents} incidents into {result.buckets} buckets in "
                f"{result.seconds:.2f} s ({result.buckets_changed} buckets written or removed); "
                f"re-measured {refreshed} key results."
            )
        )
