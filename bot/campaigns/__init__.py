"""Campaigns (#11): the rules of a campaign (its audience, what each platform accepts, when it
may go out), without I/O; the sweep that sends them is in bot/scheduling/campaign_sweep.py."""
