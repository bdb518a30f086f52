"""PDCA reviews (振り返り) of a plan, a 基本方針 or a 施策, held per period.

Plan: what was intended, read from the plan. Do: measures' progress and the KPIs' actuals,
read from plans and monitoring (frozen at sign-off). Check: the assessment. Act: decisions and
follow-ups with owners and due dates, which appear in 「自分の作業」 and open the next review of
the same scope until they are done or carried over.
"""
