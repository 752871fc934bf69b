"""Explainable at-risk flagging: the rules, the promotion norms and the flagging run.

One job per module, each imported by its own path (this package re-exports nothing):
settings (RiskSettings, Norm: the tunable rules and norms), projection (grade arithmetic and
the projected promotion outcome), facts (the queries that gather what the rules look at),
rules (judge and assess: points, reasons, level), flagging (the run: lock, decide, write),
writes (bulk SQL), notify (notifications and the mentor e-mail), export (risk CSV),
evaluation (the rules replayed against how the year ended), tasks (Celery wrappers).

What the rules look at (all as of a reference day `on`, today for the nightly run):

- **Current grades.** The "current period" is the school year to date: per student and
  subject, the weighted average (Σ grade × weight / Σ weight) of every grade dated from
  1 August up to `on`, rounded half up to one decimal as on a report. Marks (O, V, G, ZG, vr,
  inh) are not grades and never averaged; school-exam grades (SE/PTA) count only for a
  student without any report grade that school year. A qualitative subject that counts for
  promotion is judged by its latest mark instead (`Norm.max_marks_below_voldoende`). That is the running
  year grade that the overgangsnorm is applied to in June, so the projection in January and
  the outcome in June use the same arithmetic. `Score.period` is free text that not every
  school fills in, so it is not used.
- **Insufficient grades** (rule `insufficient`): subject averages below 5,5.
- **The promotion norm** (rule `norm`): the projected outcome — bevorderd, bespreekzone or
  niet bevorderd — from those averages and the school's overgangsnorm for the student's
  level and leerjaar in this school year (`Norm`, defaults below when none is recorded).
- **Trend** (rule `trend`): the weighted average over the last `trend_recent_weeks` weeks
  against the `trend_previous_weeks` weeks before, over the subjects graded in both windows
  (so a window with only the hard subjects does not look like a fall).
- **Placed above advice** (rule `above_advice`, off unless `points_above_advice` is set): the
  student's level is above the primary school's advice from the warme overdracht (the adjusted
  one if any; a double advice counts by its lower level) and the average falls as in the trend
  rule. The advice is on the student's own row (`facts.StudentRow.advice`).
- **Cito** (rule `cito`): per domain of the standardised results, the latest result (at most
  a year old) against the one before; a higher level number is a drop (1 = I/A is best).
- **Signals** (rule `signals`): the mentor's weekly signals of severity zorg or urgent in
  the last `signal_weeks` weeks, every category but attendance.
- **Absence** (rule `absence`): the attendance signals of severity zorg or urgent in the same
  weeks. The portal has no register of absences; the mentor's attendance signal is the
  best source it has.
- **Pre-exam year** (rule `pre_exam`): vmbo 3, havo 4 and vwo 5, where most retention
  happens, multiply the points by `pre_exam_factor`.

Each rule that fires adds points; the total decides the level: `attention_points` or more is
aandacht, `high_points` or more is hoog. Setting a rule's points to 0 switches it off.
"""
