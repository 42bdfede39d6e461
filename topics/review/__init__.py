"""Review and correct labels in the browser: ``topics review``.

:func:`~topics.review.session.open_review` labels the reports and opens the labels file,
:func:`~topics.review.app.create_app` is the web application and
:func:`~topics.review.app.make_server` serves it (waitress).
"""
