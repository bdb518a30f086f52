"""A small framework exercising every question type, with hand-computable scores."""

SAMPLE_YAML = """
code: sample
title: テスト用フレームワーク
version: 1
description: 採点の検算用
dimensions:
  - code: a
    title: 観点A
    weight: 2
    children:
      - code: a.1
        title: 観点A-1
        weight: 1
        questions:
          - code: L1
            text: 成熟度の設問
            type: level
            weight: 2
            levels:
              - {descriptor: なし, next: 始める}
              - {descriptor: 一部, next: 広げる}
              - {descriptor: 半分, next: 進める}
              - {descriptor: 多く, next: 定着}
              - {descriptor: 全て, next: 横展開}
          - code: Y1
            text: はい/いいえの設問
            type: yesno
            weight: 1
      - code: a.2
        title: 観点A-2
        weight: 3
        questions:
          - code: S1
            text: 単一選択
            type: single
            choices:
              - {value: none, label: なし, points: 0}
              - {value: some, label: 一部, points: 60}
              - {value: all, label: 全部, points: 100}
          - code: M1
            text: 複数選択
            type: multiple
            required: false
            choices:
              - {value: x, label: 書かない窓口, points: 40}
              - {value: y, label: オンライン予約, points: 40}
              - {value: z, label: キャッシュレス, points: 40}
  - code: b
    title: 観点B
    weight: 1
    questions:
      - code: P1
        text: オンライン利用率
        type: percent
        direction: higher
        scoring: {method: linear, zero: 0, target: 60}
      - code: N1
        text: 待ち時間
        type: number
        unit: 分
        min: 0
        max: 240
        direction: lower
        scoring:
          method: thresholds
          steps: [{at: 10, score: 100}, {at: 20, score: 70}, {at: 40, score: 40}]
      - code: D1
        text: 計画の策定日
        type: date
        required: false
      - code: T1
        text: 補足
        type: text
        required: false
validations:
  - if: {question: Y1, equals: no}
    then: {question: D1, empty: true}
    message: いいえの場合、策定日は空欄にしてください。
  - if: {question: Y1, equals: yes}
    then: {question: D1, required: true}
    message: はいの場合、策定日を入力してください。
"""
