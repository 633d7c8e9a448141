"""What the product produces, for views and commands alike: PDFs, charts, labels, spoken texts.

Below the views: nothing here imports a view.
"""
