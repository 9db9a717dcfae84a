// Airflow class paths the backends hand to the chart (one place, so a provider rename is one edit).
export const LOCAL_SECRET_BACKEND = "airflow.secrets.local_filesystem.LocalFilesystemBackend";
export const AWS_SECRETS_MANAGER_BACKEND = "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend";
export const XCOM_OBJECT_STORAGE_BACKEND = "airflow.providers.common.io.xcom.backend.XComObjectStorageBackend";
export const AZURE_KEY_VAULT_BACKEND = "airflow.providers.microsoft.azure.secrets.key_vault.AzureKeyVaultBackend";
export const CLOUD_SECRET_MANAGER_BACKEND =
    "airflow.providers.google.cloud.secrets.secret_manager.CloudSecretManagerBackend";
export const VAULT_BACKEND = "airflow.providers.hashicorp.secrets.vault.VaultBackend";
