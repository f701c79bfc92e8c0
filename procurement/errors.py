"""Error codes of the procurement services; the tests import them."""

QUOTE_NOT_FOUND = "quote_not_found"
QUOTE_DOCUMENT_UNAVAILABLE = "quote_document_unavailable"
QUOTE_EXPIRED = "quote_expired"
QUOTE_SUPERSEDED = "quote_superseded"
QUOTE_ALREADY_ACCEPTED = "quote_already_accepted"
QUOTE_NOT_OPEN = "quote_not_open"  # declined: nothing more can be done with it
STATEMENT_REQUIRED = "statement_required"
QUOTE_NOT_ACCEPTED = "quote_not_accepted"  # order details come after acceptance
INVOICE_ISSUED = "invoice_issued"  # the order references are frozen with the final invoice
DOCUMENT_NOT_PDF = "document_not_pdf"
DOCUMENT_TOO_LARGE = "document_too_large"
DOCUMENT_REQUIRED = "document_required"
VISIT_NOT_YET_DELIVERED = "visit_not_yet_delivered"  # service fait only once the visit started
BOOKING_NOT_ACTIVE = "booking_not_active"  # a cancelled booking's service is not certified
SERVICE_NOT_CERTIFIED = "service_not_certified"  # a public buyer's final invoice waits for it
BOOKING_NOT_CONFIRMED = "booking_not_confirmed"  # only a confirmed booking's visit is delivered
ALREADY_DELIVERED = "already_delivered"  # recorded once; other figures need the office's fix
ATTENDANCE_REQUIRED = "attendance_required"  # no check-in gives the figures: staff type them
ATTENDANCE_OVER_HEAD_COUNT = "attendance_over_head_count"
ATTENDANCE_EMPTY = "attendance_empty"  # nobody came: not a delivered service
NOT_DELIVERED = "not_delivered"  # no certificate before the delivery is recorded
COMMITMENT_NUMBER_MISSING = "commitment_number_missing"  # the invoice waits for it
INVOICE_PERMISSION_REQUIRED = "invoice_permission_required"  # delivered; accounting invoices
QUOTE_NOT_TRAINING = "quote_not_training"  # no training agreement: not a training quote
