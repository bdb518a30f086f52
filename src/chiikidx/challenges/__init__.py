"""課題 inventory and triage (seed §1(1), 七ヶ条(2)): dialogue records with 原課 and residents,
challenges scored on 裨益性・難易度・緊急性, the priority map, escalation and the prefecture's
common issues, and the process inventory (業務プロセスの書き出し)."""
