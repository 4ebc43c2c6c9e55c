// @ts-check
// The shapes of what the pages read, for `make lint`'s type check (tsc --checkJs): the
// /ws messages (firmware_notes/websocket-protocol.md; built in queue_server/hub.py and
// queue_server/views.py) and the HTTP API's JSON (queue_server/web/openapi.py).  Types
// only: nothing here runs.  Import them where used:
//
//   /** @typedef {import('./messages.js').CallMessage} CallMessage */

// ---------------------------------------------------------------- shared pieces

/** Text per language, e.g. {"vi": "Hộ tịch", "en": "Civil status"}.
 * @typedef {Record<string, string>} Texts */

/** @typedef {"waiting" | "called" | "serving" | "done" | "ended" | "no_show" | "cancelled" | "expired"} TicketStatus */
/** @typedef {"open" | "paused" | "closed"} CounterStatus */
/** @typedef {"very_satisfied" | "satisfied" | "neutral" | "dissatisfied"} Rating */
/** @typedef {"hall" | "counter" | "staff" | "kiosk" | "citizen" | "admin"} ViewName */
/** @typedef {"display" | "kiosk" | "device" | "staff" | "supervisor" | "admin" | "citizen" | "partner" | "volunteer" | "assistant"} Role */

/**
 * A ticket as staff see it in lists (views.ticket_summary).
 * @typedef {object} TicketSummary
 * @property {number} id
 * @property {string} number
 * @property {string} service
 * @property {string | null} priority
 * @property {TicketStatus} status
 * @property {string | null} waiting_since
 * @property {number} recalls
 * @property {string | null} [called_at] when it was last called
 * @property {string | null} [started_at] when its service began (the service timer)
 * @property {string | null} [requeue_at] a no-show: when it goes back in line by itself
 * @property {boolean} [booked] checked in for a booking (shown with a badge)
 */

/**
 * What anyone holding the ticket may see (views.ticket_public; a ticket gone from the
 * day is only {"status": "expired"} in a `ticket` message).
 * @typedef {object} PublicTicket
 * @property {string} number
 * @property {string} service
 * @property {string | null} priority
 * @property {TicketStatus} status
 * @property {number | null} position people to be called before this ticket
 * @property {number | null} estimated_wait_s null when no counter serving it is open
 * @property {number | null} counter the counter it is called to
 * @property {string | null} called_at
 * @property {number} recalls
 * @property {string | null} issued_at
 * @property {Rating | null} rating
 * @property {string} lang the language chosen at the kiosk
 * @property {boolean} booked checked in for a booking, not a walk-in
 * @property {string | null} booked_for a booked ticket: the start of its slot
 * @property {string | null} procedure the procedure chosen at the kiosk (its code)
 */

/**
 * GET /api/v1/tickets/{code} (views.ticket_tracked): with the chosen procedure's papers.
 * @typedef {PublicTicket & {
 *   papers: { code: string, name: Texts, papers: Record<string, string[]> } | null
 * }} TrackedTicket
 */

/** @typedef {{ status: "expired" }} GoneTicket */

/**
 * How printing went (POST /api/v1/tickets `print`).
 * @typedef {object} PrintResult
 * @property {"printed" | "failed" | "none"} status
 * @property {string | null} printer
 * @property {string | null} error
 */

/**
 * The kiosk's answer to POST /api/v1/tickets (views.ticket_issued).
 * @typedef {PublicTicket & {
 *   id: number, tracking_code: string, status_url: string, print: PrintResult
 * }} IssuedTicket
 */

/**
 * A counter (views.counter_view).
 * @typedef {object} Counter
 * @property {number} id
 * @property {CounterStatus} status
 * @property {string[]} services
 * @property {TicketSummary | null} current
 * @property {number} waiting
 * @property {{ id: number, number: string, rated: boolean } | null} last_served
 * @property {number} [served_today] tickets it finished today
 * @property {TicketSummary[]} [absent] today's no-shows it called, not back in line yet (latest first)
 */

/**
 * A service and how long its line is (views.service_view).
 * @typedef {object} Service
 * @property {string} code
 * @property {Texts} name
 * @property {Texts} description
 * @property {number} waiting
 * @property {number} waiting_priority
 * @property {number | null} estimated_wait_s
 * @property {number} open_counters
 */

/**
 * The head of one line: a service code, or a counter id for tickets sent to one counter
 * (views.waiting_list).
 * @typedef {object} WaitingLine
 * @property {string | number} line
 * @property {number} total
 * @property {TicketSummary[]} tickets
 */

/** @typedef {"unknown" | "online" | "paper_near_end" | "paper_out" | "cover_open" | "offline" | "not_answering"} PrinterState */

/**
 * A device's latest state: a printer (devices/escpos/service.py device_view), a kiosk
 * (integrations/escpos/kiosks.py: `up` while it can print) or a serial line (keypad-line,
 * rf-receiver, led-display-line), which carries more counters.
 * @typedef {{
 *   name: string,
 *   kind: string,
 *   up: boolean,
 *   state?: PrinterState,
 *   detail?: string,
 *   since?: string | null,
 *   connection?: string,
 *   paper_mm?: number,
 *   kiosk?: string,
 *   printers?: string[],
 *   screen_tickets?: boolean,
 *   line?: string,
 *   online?: boolean,
 *   codes?: number,
 *   corrupt_frames?: number,
 *   [counter: string]: unknown,
 * }} Device
 */

/**
 * One event as the log holds it (queue_server/engine/events.py), tagged by `type`.
 * @typedef {{ type: string, seq?: number, at?: number, ticket?: number, counter?: number, [field: string]: unknown }} QueueEvent
 */

// ---------------------------------------------------------------- /ws: server messages

/**
 * @typedef {object} WelcomeMessage
 * @property {"welcome"} type
 * @property {number} protocol
 * @property {number} seq
 * @property {Role} role
 * @property {ViewName} view
 * @property {string} name
 */

/**
 * A ticket called (or called again) to a counter.
 * @typedef {object} CallMessage
 * @property {"call"} type
 * @property {number} seq
 * @property {number} counter
 * @property {string} number the ticket's number, e.g. "A023"
 * @property {string} service
 * @property {string | null} priority
 * @property {number} recall 0 for the first call, then 1, 2…
 * @property {string | null} at
 * @property {string} lang the language the citizen chose at the kiosk (the hall says the call in it too)
 * @property {boolean} [booked] checked in for a booking (the hall marks it)
 */

/** @typedef {{ type: "counter", seq: number, counter: Counter }} CounterMessage */
/** @typedef {{ type: "service", seq: number, service: Service }} ServiceMessage */
/** @typedef {{ type: "waiting", seq: number, waiting: WaitingLine }} WaitingMessage */
/** @typedef {{ type: "ticket", seq: number, ticket: PublicTicket | GoneTicket }} TicketMessage */
/** @typedef {{ type: "events", seq: number, first_seq: number, events: QueueEvent[] }} EventsMessage */
/** @typedef {{ type: "device", seq: number, device: Device }} DeviceMessage */
/** A day closed or opened: displays clear their calls (numbering starts again at A001).
 * @typedef {{ type: "day", seq: number, day: string | null, closed: boolean }} DayMessage */
/** @typedef {{ type: "pong", seq?: number }} PongMessage */

/** @typedef {{ type: "snapshot", seq: number, resumed: boolean }} SnapshotBase */
/** @typedef {SnapshotBase & { day: string | null, counters: Counter[], services: Service[], calls: CallMessage[] }} HallSnapshot */
/** @typedef {SnapshotBase & { day: string | null, counters: Counter[], calls: CallMessage[] }} CounterSnapshot */
/** `kiosks`: every kiosk with printers, and whether it can print ("kiosk" Devices).
 * @typedef {SnapshotBase & { day: string | null, counters: Counter[], services: Service[], waiting: WaitingLine[], calls: CallMessage[], kiosks?: Device[] }} StaffSnapshot */
/** A kiosk's own state: whether it can print (a "kiosk" Device); null when it has no printers.
 * @typedef {SnapshotBase & { services: Service[], kiosk?: Device | null }} KioskSnapshot */
/** @typedef {SnapshotBase & { ticket: PublicTicket | null }} CitizenSnapshot */
/**
 * The whole centre (views.state_snapshot), its devices and the recent calls.
 * @typedef {SnapshotBase & {
 *   day: string | null, day_closed: boolean, issued_today: number, services: Service[],
 *   counters: Counter[], waiting: WaitingLine[], devices: Device[], calls: CallMessage[]
 * }} AdminSnapshot
 */
/**
 * @typedef {{
 *   hall: HallSnapshot, counter: CounterSnapshot, staff: StaffSnapshot,
 *   kiosk: KioskSnapshot, citizen: CitizenSnapshot, admin: AdminSnapshot
 * }} SnapshotByView
 */
/** @typedef {SnapshotByView[ViewName]} SnapshotMessage */

/**
 * Every message the server sends on /ws, told apart by `type`.
 * @typedef {WelcomeMessage | SnapshotMessage | CallMessage | CounterMessage | ServiceMessage
 *   | WaitingMessage | TicketMessage | EventsMessage | DayMessage | DeviceMessage
 *   | PongMessage} ServerMessage
 */

// ---------------------------------------------------------------- /ws: the client side

/**
 * The client's first message, less `type` and `protocol` (live.js adds them).
 * @typedef {object} Hello
 * @property {Role} role
 * @property {string | null} [token]
 * @property {string} [tracking_code]
 * @property {ViewName} [view]
 * @property {number} [counter]
 * @property {number[]} [counters]
 * @property {number} [last_seq]
 */

/** @typedef {"connecting" | "reconnecting" | "live" | "refused"} LiveState */
/** @typedef {{ code: number, reason: string }} Refusal */

/**
 * What a Live client of view V passes to its handlers, by name: the server's messages,
 * plus `refused` and `state` from the connection itself.
 * @template {ViewName} V
 * @typedef {{
 *   welcome: WelcomeMessage, snapshot: SnapshotByView[V], call: CallMessage,
 *   counter: CounterMessage, service: ServiceMessage, waiting: WaitingMessage,
 *   ticket: TicketMessage, events: EventsMessage, day: DayMessage, device: DeviceMessage,
 *   refused: Refusal, state: { state: LiveState, reason: string }
 * }} LiveEvents
 */

// ---------------------------------------------------------------- the HTTP API

/**
 * GET /api/v1/centre: the centre as the pages show it.
 * @typedef {object} Centre
 * @property {string} id
 * @property {Texts} name
 * @property {string[]} languages
 * @property {string} timezone IANA zone of the centre's clocks
 * @property {Texts} notice
 * @property {Texts} ticket_footer
 * @property {{ code: string, name: Texts, description: Texts }[]} services
 * @property {{ id: number, name: Texts, services: string[] }[]} counters
 * @property {{ code: string, name: Texts, at_desk?: boolean }[]} priority_classes at_desk: checked at the reception desk, not by a tap
 * @property {{ code: string, name: Texts }[]} [rating_reasons] what a dissatisfied citizen may say went wrong
 * @property {boolean} open_now tickets may be issued now
 * @property {string | null} opens_at while closed: when it next opens (ISO, with offset)
 * @property {{ target_wait_minutes: number, without_open_counter?: "issue" | "refuse" }} [queue] the wait
 *   the centre aims at; whether a kiosk issues tickets for a service no counter is open for
 * @property {{ min_show_seconds: number, max_delay_seconds: number }} [hall] the hall's pace:
 *   each call on the big panel at least min_show_seconds; none said or put up later than max_delay_seconds
 * @property {BookingRules} appointments whether and how the centre takes bookings
 */

/**
 * GET /api/v1/centre `appointments` (web/pages.py _booking_rules).
 * @typedef {object} BookingRules
 * @property {boolean} enabled
 * @property {string} today the centre's date now (ISO): the first day one may book
 * @property {number} days_ahead days bookable after today
 * @property {number} slot_minutes
 * @property {number} cutoff_minutes
 * @property {number} per_person_per_day
 * @property {number} early_minutes check-in opens this long before a slot
 * @property {number} late_minutes and closes this long after its start
 * @property {"walk_in" | "refuse"} late
 * @property {Record<string, number>} places places per slot, by service code
 */

/**
 * One slot of GET /api/v1/appointments/slots.
 * @typedef {{ start: string, end: string, capacity: number, free: number }} AppointmentSlot */
/** @typedef {{ service: string, date: string, slots: AppointmentSlot[] }} AppointmentSlots */

/**
 * A booking as its code's holder sees it (views.Appointment): POST /api/v1/appointments,
 * GET /api/v1/appointments/{code}, .../cancel.
 * @typedef {object} Appointment
 * @property {string} code XXXX-XXXX
 * @property {string} service
 * @property {string} start
 * @property {string} end
 * @property {"booked" | "cancelled" | "checked_in" | "missed"} status
 * @property {string} phone masked: 09xx xxx 123
 * @property {string} status_url the booking's page
 * @property {string} ics_url the booking as an iCalendar event
 * @property {string} lang the language chosen when booking
 * @property {string | null} [ticket] the number its check-in gave
 * @property {string | null} [tracking_code] that ticket's, to follow it over /ws
 */

/**
 * GET /api/v1/services.
 * @typedef {object} Services
 * @property {{ id: string, name: Texts }} centre
 * @property {string[]} languages
 * @property {{ code: string, name: Texts }[]} priority_classes
 * @property {Service[]} services
 */

/**
 * A printer of the hall as a volunteer's tablet sees it (GET /api/v1/devices/printers).
 * @typedef {{ name: string, state: PrinterState, up: boolean, detail: string, paper_mm: number }} PrinterView
 */
/** @typedef {{ printers: PrinterView[] }} Printers */

/**
 * GET /api/v1/services/search: the procedure finder's answer (views.ServiceSearch).
 * @typedef {object} ServiceSearch
 * @property {string} query
 * @property {string} lang
 * @property {FoundService[]} results best first
 */

/**
 * @typedef {object} FoundService
 * @property {string} service its code
 * @property {string} name in the language asked
 * @property {{ code: string, name: string, papers: string[] } | null} procedure
 * @property {string[]} matched the citizen's words that matched, as typed
 * @property {number} score
 */

/**
 * GET /api/v1/session and POST /api/v1/login (only login says `name`).
 * @typedef {object} Session
 * @property {string} user
 * @property {string} [name]
 * @property {Role} role
 * @property {number | null} counter
 * @property {string | null} csrf_token
 * @property {string[]} [also_here] POST /api/v1/login: others logged in at that counter
 */

/** GET /api/v1/counters/people: who is logged in at each counter.
 * @typedef {{ counters: { counter: number, people: string[] }[] }} PeopleAtCounters */

/** POST /api/v1/counters/{counter}/{action}.
 * @typedef {{ counter: Counter, ticket: TicketSummary | null }} CounterAction */

/**
 * GET /api/v1/voice.
 * @typedef {object} VoiceStatus
 * @property {boolean} enabled
 * @property {boolean} available
 * @property {string | null} reason why announcements cannot be spoken
 * @property {string | null} [engine]
 * @property {string[]} languages announced, in this order
 */

/**
 * GET /api/v1/status.
 * @typedef {object} ServerStatus
 * @property {number} seq
 * @property {VoiceStatus} voice
 * @property {Record<string, number>} connections live websocket clients per view
 * @property {Device[]} [devices]
 */

/**
 * One of GET /api/v1/devices/printers/tickets's `tickets`, newest first.
 * @typedef {object} PrintedTicket
 * @property {number} id this record's id, for its image
 * @property {number} ticket
 * @property {string} number
 * @property {string} service
 * @property {string} lang
 * @property {string} kiosk
 * @property {"printed" | "failed"} status
 * @property {string | null} printer
 * @property {string[]} printers_tried
 * @property {string} reason
 * @property {string | null} at
 * @property {number | null} paper_mm
 * @property {string | null} image_url
 */
/** @typedef {{ tickets: PrintedTicket[] }} PrintedTickets */

/** @typedef {{ username: string, name: string, role: Role, disabled: boolean, counters: number[] }} User */
/** @typedef {{ users: User[] }} Users */
/**
 * @typedef {object} TokenInfo
 * @property {string} name
 * @property {Role} role
 * @property {number | null} counter
 * @property {number[]} counters
 * @property {number} [created_at]
 * @property {boolean} revoked
 */
/** @typedef {{ tokens: TokenInfo[] }} Tokens */
/** POST /api/v1/tokens: the secret, shown this once.
 * @typedef {{ token: string, info: TokenInfo }} NewToken */

/**
 * Durations: in minutes to 0.1, and the same in whole seconds (`_s`), which pages show as m:ss.
 * @typedef {{
 *   count: number, mean: number | null, median: number | null, p90: number | null, max: number | null,
 *   mean_s: number | null, median_s: number | null, p90_s: number | null, max_s: number | null
 * }} Minutes
 */
/**
 * @typedef {{
 *   rated: number, very_satisfied: number, satisfied: number, neutral: number,
 *   dissatisfied: number, satisfied_share: number | null
 * }} Satisfaction
 */
/** @typedef {{ issued: number, served: number, ended_unstarted: number, no_show: number, cancelled: number, expired: number, open: number }} Outcomes */
/** @typedef {Outcomes & { wait_minutes: Minutes, service_minutes: Minutes, satisfaction: Satisfaction }} ReportGroup */
/**
 * One slot of a day for the managers (views.BookedSlot).
 * @typedef {{
 *   start: string, end: string, booked: number, checked_in: number, missed: number,
 *   cancelled: number, free: number, walk_in: number
 * }} BookedSlot
 */
/**
 * GET /api/v1/appointments/day (views.booked_day).
 * @typedef {{
 *   date: string, slot_minutes: number,
 *   services: { service: string, places: number, capacity: number, servable: number, walk_in: number, slots: BookedSlot[] }[]
 * }} BookedDay
 */
/**
 * GET /api/v1/reports/daily (queue_server/reports/daily.py).
 * @typedef {object} DailyReport
 * @property {string} day
 * @property {boolean} complete the day is closed: its figures are final
 * @property {string[]} days days the log holds, newest first
 * @property {Outcomes} tickets
 * @property {Minutes} wait_minutes
 * @property {{ minutes: number, within_share: number | null }} [wait_target] the centre's
 *   target wait and the share of those called who waited no longer
 * @property {Minutes} service_minutes
 * @property {Satisfaction} satisfaction
 * @property {(ReportGroup & { code: string })[]} services
 * @property {{ id: number, called: number, served: number, service_minutes: Minutes, satisfaction: Satisfaction }[]} counters
 * @property {StaffFigures[]} staff per person signed in at a counter, by account name
 * @property {{ priority: ReportGroup, normal: ReportGroup }} priority
 * @property {{ hour: number, issued: number, wait_minutes: Minutes }[]} hours
 * @property {BookingFigures} booking booked against walk-in
 */

/**
 * One person's day in the daily report: what happened at a counter while they held it.
 * @typedef {object} StaffFigures
 * @property {string} staff their account name
 * @property {number[]} counters
 * @property {number} called
 * @property {number} served
 * @property {number} no_show
 * @property {Minutes} service_minutes
 * @property {Satisfaction} satisfaction
 * @property {number} open_s open and not paused, in seconds
 * @property {number} paused_s
 */

/**
 * The daily report's `booking`: a late check-in waited as a walk-in and counts as one.
 * @typedef {object} BookingFigures
 * @property {ReportGroup} booked
 * @property {ReportGroup} walk_in
 * @property {number | null} booked_share
 * @property {{ booked: number, cancelled: number, checked_in: number, checked_in_late: number, missed: number }} appointments
 */

/** The body of an API error: {"error": {"code", "message"}}; centre_closed adds
 * `opens_at`, when the centre next opens (ISO, with offset; null if never).
 * @typedef {{ code: string, message: string, opens_at?: string | null }} ErrorBody */

export {};
