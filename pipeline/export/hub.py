"""Upload an exported dataset directory to the Hugging Face Hub."""

from __future__ import annotations

import logging
from pathlib import Path

from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

logger = logging.getLogger(__name__)


class PushError(RuntimeError):
    """Uploading a dataset to the Hub failed; the message gives the reason and the fix."""


def push_to_hub(directory: Path, repo_id: str, token: str | None = None) -> str:
    """Create the dataset repository if needed and upload ``directory``; return the commit URL."""
    if not (directory / "README.md").is_file():
        raise PushError(
            f"{directory} is not an exported dataset (no README.md); run `dvc repro export` first"
        )
    api = HfApi(token=token)
    try:
        api.create_repo(repo_id, repo_type="dataset", exist_ok=True)
        commit = api.upload_folder(
            folder_path=str(directory),
            repo_id=repo_id,
            repo_type="dataset",
            commit_message=f"Upload {directory.name} export",
        )
    except OfflineModeIsEnabled as error:
        raise PushError(
            f"cannot push {directory} to {repo_id}: Hugging Face Hub offline mode is on "
            "(HF_HUB_OFFLINE=1); unset it on a machine with network access and log in with "
            "`hf auth login`"
        ) from error
    except (HfHubHTTPError, OSError) as error:
        raise PushError(f"cannot push {directory} to {repo_id}: {error}") from error
    logger.info("pushed %s to %s", directory, commit)
    return str(commit)
