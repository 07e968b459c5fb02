"""L3, time: calendars, holidays, clocks (wall and business), SLA clock state, time conditions."""
