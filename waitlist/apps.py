from django.apps import AppConfig


class WaitlistConfig(AppConfig):
    name = "waitlist"
    verbose_name = "Waitlist"

    def ready(self) -> None:
        from clinic.booking.hooks import on_hold_confirmed, on_slot_freed
        from waitlist.notifications import register_kinds
        from waitlist.services import waitlist_on_hold_confirmed, waitlist_on_slot_freed

        register_kinds()
        # Booking (below) tells the waitlist when a time is freed or an offer confirmed.
        on_slot_freed(waitlist_on_slot_freed)
        on_hold_confirmed(waitlist_on_hold_confirmed)
